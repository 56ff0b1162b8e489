"""The apps' layers hold, and the tool that checks them catches a breach.

practice sits over blog and services, which sit over the booking back office (bookings),
which sits over the rooms that know pages (the caches, staff sign-in, search, page views),
which sit over home, which sits over the infrastructure that knows no page (the writing
checks, deleted blocks, backups, secret addresses, security headers). Blog and services never
import each other, nor do the rooms within one layer; the guides never reach into the back
office, and services reaches it only through its front door (the request stored, its emails
queued, the client's link page, the export writer). The contract is
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
    "bookings",
    "caching",
    "staff_access",
    "search",
    "page_views",
    "home",
    "backups",
    "deleted_blocks",
    "secret_paths",
    "security_headers",
    "writing_checks",
    "availability",
)
CONTRACT = (
    "practice over blog and services (independent of each other), over the back office, over "
    "the rooms that know pages (independent of each other), over home, over the "
    "infrastructure that knows no page"
)
GUIDES_CONTRACT = "the guides never reach into the back office"
FRONT_DOOR_CONTRACT = "services reaches the back office only through its front door"


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
    assert f"{GUIDES_CONTRACT} KEPT" in report(result)
    assert f"{FRONT_DOOR_CONTRACT} KEPT" in report(result)


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
        ("security_headers/leak.py", "caching.page_cache"),
        ("security_headers/leak.py", "staff_access.lockout"),
        ("security_headers/leak.py", "writing_checks.checks"),
        ("backups/leak.py", "security_headers.middleware"),
        ("home/leak.py", "page_views.counting"),
        ("page_views/leak.py", "services.models"),
        ("page_views/leak.py", "staff_access.lockout"),
        ("staff_access/leak.py", "page_views.models"),
        ("backups/leak.py", "page_views.models"),
        ("search/leak.py", "page_views.counting"),
        ("home/leak.py", "caching.page_cache"),
        ("home/leak.py", "caching.warming"),
        ("caching/leak.py", "page_views.counting"),
        ("page_views/leak.py", "caching.warming"),
        ("caching/leak.py", "services.models"),
        ("caching/leak.py", "bookings.models"),
        ("secret_paths/leak.py", "home.page_requests"),
        ("bookings/leak.py", "services.models"),
        ("bookings/leak.py", "blog.models"),
        ("home/leak.py", "bookings.models"),
        ("staff_access/leak.py", "bookings.models"),
        ("page_views/leak.py", "bookings.notifications"),
        ("home/leak.py", "availability.free_times"),
        ("availability/leak.py", "services.models"),
        ("availability/leak.py", "page_views.models"),
        ("availability/leak.py", "bookings.appointments"),
    ],
)
def test_an_import_against_the_layers_fails_the_check(tmp_path, module, imported):
    result = lint_with_a_leak(tmp_path, module, imported)
    assert result.returncode != 0
    assert f"{CONTRACT} BROKEN" in report(result)
    leak = module.removesuffix(".py").replace("/", ".")
    assert f"{leak} -> {imported}" in report(result)


def test_a_guide_reaching_into_the_back_office_fails_the_check(tmp_path):
    result = lint_with_a_leak(tmp_path, "blog/leak.py", "bookings.models")
    assert result.returncode != 0
    assert f"{GUIDES_CONTRACT} BROKEN" in report(result)
    assert f"{CONTRACT} KEPT" in report(result)  # above the back office, the layers allow it
    assert "blog.leak -> bookings.models" in report(result)


@pytest.mark.parametrize("imported", ["bookings.desk", "bookings.week", "bookings.wagtail_hooks"])
def test_services_reaching_past_the_back_offices_front_door_fails_the_check(tmp_path, imported):
    result = lint_with_a_leak(tmp_path, "services/leak.py", imported)
    assert result.returncode != 0
    assert f"{FRONT_DOOR_CONTRACT} BROKEN" in report(result)
    assert f"{CONTRACT} KEPT" in report(result)  # services sits above bookings
    assert f"services.leak -> {imported}" in report(result)


def lint_with_a_leak(tmp_path: Path, module: str, imported: str) -> subprocess.CompletedProcess:
    """``lint-imports`` on a copy of the apps in which ``module`` imports ``imported``."""
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    assert lint_imports(tmp_path).returncode == 0  # the copy is as good as the original

    # Inside a function, where it hides from a reader: the tool still sees it.
    (tmp_path / module).write_text(f"def sneak():\n    import {imported}\n")
    return lint_imports(tmp_path)
