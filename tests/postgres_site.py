"""The demo site served from a fresh PostgreSQL database, as production serves it.

``postgres_site`` is a module-scoped fixture: a new database, migrated and filled with the
demo content, and gunicorn with the production settings in front of it. A test module
registers it by importing it, and may add to gunicorn's environment with a module-level
``POSTGRES_SITE_ENV`` dict:

    from .postgres_site import postgres_site  # noqa: F401 - fixture

    POSTGRES_SITE_ENV = {"FORM_RATE_LIMIT_POSTS": "1000"}

Skipped without PostgreSQL on a laptop, failed under CI (tests/optional_services.py).
"""

import dataclasses
import uuid
from pathlib import Path

import psycopg
import pytest

from .optional_services import require_postgres
from .quality.check_quality import manage, production_env
from .servers import free_port, gunicorn


@dataclasses.dataclass(frozen=True)
class PostgresSite:
    base_url: str
    env: dict[str, str]
    database_url: str
    log_path: Path

    def query(self, sql: str, *params) -> list[tuple]:
        """Rows straight from the site's database, for checking what a request stored."""
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def postgres_site(request, tmp_path_factory):
    server = require_postgres()
    database = f"practice_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    workdir = tmp_path_factory.mktemp("postgres_site")
    port = free_port()
    env = production_env(workdir, port)
    env.update(DATABASE_URL=f"{server}/{database}")
    env.update(getattr(request.module, "POSTGRES_SITE_ENV", {}))
    log_path = workdir / "gunicorn.log"
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_content", "--hostname", "127.0.0.1", "--port", str(port))
        manage(env, "collectstatic", "--noinput")
        with gunicorn(env, port, log_path) as base_url:
            yield PostgresSite(base_url, env, env["DATABASE_URL"], log_path)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
