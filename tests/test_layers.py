"""The apps' layers hold, and the tool that checks them catches a breach.

practice sits over blog and services, which sit over the rooms that know pages (staff
sign-in, search, page views), which sit over home, which sits over the infrastructure that
knows no page (the writing checks, deleted blocks, backups, security headers). Blog and
services never import each other, nor do the rooms within one layer. The contract is
[tool.importlinter] in pyproject.toml, checked by `lint-imports`.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .servers import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = (
    "practice",
    "blog",
    "services",
    "staff_access",
    "search",
    "page_views",
    "home",
    "backups",
    "deleted_blocks",
    "security_headers",
    "writing_checks",
    "availability",
)
CONTRACT = (
    "practice over blog and services (independent of each other), over the rooms that know "
    "pages (independent of each other), over home, over the infrastructure that knows no page"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(result: subprocess.CompletedProcess) -> str:
    """The tool's report with its line wrapping undone: it wraps a long contract name."""
    return " ".join(result.stdout.split())


def test_the_project_keeps_its_layers():
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACT} KEPT" in report(result)


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("home/leak.py", "blog.models"),
        ("home/leak.py", "services.models"),
        ("home/leak.py", "practice.urls"),
        ("blog/leak.py", "services.models"),
        ("services/leak.py", "blog.models"),
        ("writing_checks/leak.py", "home.models"),
        ("writing_checks/leak.py", "blog.models"),
        ("deleted_blocks/leak.py", "home.models"),
        ("deleted_blocks/leak.py", "writing_checks.checks"),
        ("home/leak.py", "staff_access.lockout"),
        ("staff_access/leak.py", "services.models"),
        ("writing_checks/leak.py", "staff_access.two_step"),
        ("backups/leak.py", "home.models"),
        ("backups/leak.py", "services.models"),
        ("backups/leak.py", "deleted_blocks.views"),
        ("writing_checks/leak.py", "backups.archive"),
        ("home/leak.py", "search.query"),
        ("search/leak.py", "blog.sitemaps"),
        ("search/leak.py", "staff_access.lockout"),
        ("staff_access/leak.py", "search.views"),
        ("writing_checks/leak.py", "search.sitemaps"),
        ("security_headers/leak.py", "home.page_cache"),
        ("security_headers/leak.py", "staff_access.lockout"),
        ("security_headers/leak.py", "writing_checks.checks"),
        ("backups/leak.py", "security_headers.middleware"),
        ("home/leak.py", "page_views.counting"),
        ("page_views/leak.py", "services.models"),
        ("page_views/leak.py", "staff_access.lockout"),
        ("staff_access/leak.py", "page_views.models"),
        ("backups/leak.py", "page_views.models"),
        ("search/leak.py", "page_views.counting"),
        ("home/leak.py", "availability.free_times"),
        ("availability/leak.py", "services.models"),
        ("availability/leak.py", "page_views.models"),
    ],
)
def test_an_import_against_the_layers_fails_the_check(tmp_path, module, imported):
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    assert lint_imports(tmp_path).returncode == 0  # the copy is as good as the original

    # Inside a function, where it hides from a reader: the tool still sees it.
    (tmp_path / module).write_text(f"def sneak():\n    import {imported}\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{CONTRACT} BROKEN" in report(result)
    leak = module.removesuffix(".py").replace("/", ".")
    assert f"{leak} -> {imported}" in report(result)
