"""Debian's Chromium, driven by Playwright: one place for its path, its flags and the CI rule.

Never a downloaded browser: Playwright is always given ``executable_path``.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.tool_markers import expect_marker

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# The flags that work on these machines. Without the background-networking ones,
# Chromium keeps trying hosts it cannot reach.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# QUALITY_NODE_MODULES moves the pinned npm tools, or hides them (`make test-without-tools`).
NODE_MODULES = Path(os.environ.get("QUALITY_NODE_MODULES") or REPO_ROOT / "node_modules")
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE_CLI = NODE_MODULES / "lighthouse" / "cli" / "index.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The WCAG 2.x A and AA rules of axe-core.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(*paths: Path, what: str) -> None:
    """Skip when a tool is missing on a laptop; fail under CI, where the gate must run."""
    missing = [str(path) for path in paths if not path.exists()]
    if not missing:
        return
    message = f"{what} is missing: {', '.join(missing)}"
    if in_ci():
        pytest.fail(f"{message}. CI must install it (.ci/run).")
    pytest.skip(message)


def require_chromium() -> None:
    expect_marker("browser")
    require(CHROMIUM_PATH, what="Debian's Chromium (apt-get install chromium)")


def require_node_tools() -> None:
    expect_marker("browser")
    require(AXE_JS, LIGHTHOUSE_CLI, VNU_JAR, what="The pinned npm tools (npm ci)")
    if not shutil.which("node"):
        require(Path("/nonexistent/node"), what="Node.js")
    if not shutil.which("java"):
        require(Path("/nonexistent/java"), what="Java (apt-get install default-jre-headless)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_FLAGS)


# Chromium's console wording: "... violates the following Content Security Policy directive".
CSP_CONSOLE_MESSAGE = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)


def is_csp_violation(console_text: str) -> bool:
    return bool(CSP_CONSOLE_MESSAGE.search(console_text))


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations on the page as it stands.

    axe is evaluated through the DevTools protocol, as Lighthouse runs its own checks, not
    added as a <script> element: the site's Content-Security-Policy rightly refuses inline
    scripts, and a policy loosened for the test would no longer be the one visitors get. The
    page's own scripts, styles and images stay under its policy, and the harness still
    records any violation they cause.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: tags})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in violations
    )
