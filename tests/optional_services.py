"""PostgreSQL and Redis for the production legs: where they are, and the CI rule.

A laptop without them skips the tests that need them; CI, where `.ci/run` starts both,
fails instead. `TEST_POSTGRES_URL` and `TEST_REDIS_URL` move them, or hide them when
pointed at nothing.
"""

import os
import socket
from urllib.parse import urlsplit, urlunsplit

import pytest

from .quality.chromium import in_ci
from .tool_markers import expect_marker

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_service(url: str, default_port: int, what: str) -> None:
    if reachable(url, default_port):
        return
    message = f"{what} is not reachable at {url}"
    if in_ci():
        pytest.fail(f"{message}. CI must start it (.ci/run).")
    pytest.skip(message)


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def require_postgres() -> str:
    """The server's URL without a database name; skips (or fails under CI) when unreachable."""
    expect_marker("postgres")
    require_service(POSTGRES_URL, 5432, "PostgreSQL")
    return with_path(POSTGRES_URL, "")


def require_redis(db: int) -> str:
    """A Redis URL for database `db`; skips (or fails under CI) when unreachable."""
    expect_marker("redis")
    require_service(REDIS_URL, 6379, "Redis")
    return with_path(REDIS_URL, f"/{db}")
