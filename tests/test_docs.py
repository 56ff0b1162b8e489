"""The README is a front door a newcomer reads in five minutes, and every link in the docs
leads somewhere: to a page that exists and, with an anchor, to a heading on that page."""

import re
from pathlib import Path

import pytest

from .servers import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
# The pages the conventions ask for; SECURITY.md stays at the root, where reporters and
# GitHub look for it, and is the security page.
PAGES = [
    DOCS / "architecture.md",
    DOCS / "deployment.md",
    DOCS / "operations.md",
    DOCS / "development.md",
    REPO_ROOT / "SECURITY.md",
]
MARKDOWN = sorted([README, REPO_ROOT / "SECURITY.md", *DOCS.glob("*.md")])
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)


def links(page: Path) -> list[str]:
    """The link targets of a page's prose, outside code blocks; not addresses elsewhere."""
    text = FENCE.sub("", page.read_text())
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target, re.I)]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: dict[str, int] = {}
    names = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text())):
        name = anchor(heading)
        # A repeated heading gets -1, -2 … on GitHub.
        names.add(name if name not in found else f"{name}-{found[name]}")
        found[name] = found.get(name, 0) + 1
    return names


def test_the_readme_is_read_in_five_minutes():
    assert len(README.read_text().splitlines()) <= 150


def test_the_readme_keeps_its_two_commands_and_says_how_long_the_tests_take():
    text = README.read_text()
    assert (
        "make run    # sets everything up and serves the demo site on http://127.0.0.1:8000" in text
    )
    assert (
        "make test   # lint, Django's checks, the migration check and the whole test suite" in text
    )
    assert re.search(r"^make test takes about \S+ minutes", text, re.M)


def test_the_readme_links_only_to_the_docs_pages():
    targets = {target.split("#")[0] for target in links(README)}
    assert targets, "the README links to no page"
    assert {
        target for target in targets if not (target.startswith("docs/") or target == "SECURITY.md")
    } == set()
    assert {target for target in targets if not (REPO_ROOT / target).is_file()} == set()
    # Where to read next names every page.
    assert {page.relative_to(REPO_ROOT).as_posix() for page in PAGES} <= targets


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda page: page.relative_to(REPO_ROOT).as_posix())
def test_every_link_of_the_docs_leads_to_a_page_and_a_heading_that_exist(page):
    broken = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
        elif fragment and fragment not in anchors(linked):
            broken.append(target)
    assert broken == []


def test_the_anchor_rule_matches_githubs_headings():
    """The rule the link test relies on, on headings of the kinds these pages use."""
    assert anchor("The recipe in `deploy/`") == "the-recipe-in-deploy"
    assert anchor("Importing a guide from a document") == "importing-a-guide-from-a-document"
    assert anchor("What `check --deploy` says") == "what-check---deploy-says"
    assert anchor("What browsers may do: CSP and Permissions-Policy") == (
        "what-browsers-may-do-csp-and-permissions-policy"
    )
