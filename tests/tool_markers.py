"""Which tests need a tool, said in one place: their markers.

A test that needs Chromium (or the quality gate's npm tools), a PostgreSQL server of its own,
Redis or nginx carries that tool's marker. The helper that finds the tool
(``require_chromium``, ``require_node_tools``, ``require_postgres``, ``require_redis``,
``require_nginx``) first checks that the test calling it is marked, and fails it otherwise, so
no test reaches a tool unmarked. tests/conftest.py marks the users of the ``browser`` and
``postgres_site`` fixtures itself.

The legs select by these markers (the Makefile):

- ``make test-postgres`` runs the tests marked ``database``: tests/conftest.py gives that
  marker to every test that uses the site's own test database and needs none of the tools.
- ``make test-without-tools`` runs the tests that carry a tool's marker with every tool
  hidden (``TEST_TOOLS_HIDDEN=1``): each must skip. One that passes is marked for a tool it
  does not need, and fails there (tests/conftest.py).
"""

import os

import pytest

TOOL_MARKERS = {
    "browser": "Debian's Chromium, or the quality gate's npm tools",
    "postgres": "a PostgreSQL server of its own",
    "redis": "the Redis server",
    "nginx": "nginx",
}


class RunningTest:
    """The test being run: tests/conftest.py sets it before any of the test's fixtures."""

    item = None


RUNNING = RunningTest()


def tools_hidden() -> bool:
    return os.environ.get("TEST_TOOLS_HIDDEN") == "1"


def tool_markers_of(item) -> list[str]:
    return [marker for marker in TOOL_MARKERS if item.get_closest_marker(marker)]


def check_marked(item, marker: str) -> None:
    """Fail ``item`` unless it carries ``marker``."""
    if item.get_closest_marker(marker) is None:
        pytest.fail(
            f"{item.nodeid} needs {TOOL_MARKERS[marker]} but is not marked "
            f"@pytest.mark.{marker} (tests/tool_markers.py)",
            pytrace=False,
        )


def expect_marker(marker: str) -> None:
    """Called by each helper that finds a tool. Outside pytest (the benchmark), nothing."""
    if RUNNING.item is not None:
        check_marked(RUNNING.item, marker)
