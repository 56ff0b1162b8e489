"""The demo site served from a fresh PostgreSQL database, as production serves it.

``serve_postgres_site`` makes a new database holding the demo content (a copy of a template
made once per session: tests/servers.py's ``prepare_site``) and puts gunicorn with the
production settings in front of it. Tests use it through the module-scoped ``postgres_site``
fixture (tests/conftest.py); a test module may add to gunicorn's environment with a
module-level ``POSTGRES_SITE_ENV`` dict:

    POSTGRES_SITE_ENV = {"FORM_RATE_LIMIT_POSTS": "1000"}

Skipped without PostgreSQL on a laptop, failed under CI (tests/optional_services.py).
"""

import contextlib
import dataclasses
import uuid
from pathlib import Path

import psycopg

from .optional_services import require_postgres
from .servers import free_port, gunicorn, prepare_site, production_env


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


@contextlib.contextmanager
def serve_postgres_site(workdir: Path, extra_env: dict[str, str]):
    """Yields the running site; drops its database afterwards."""
    server = require_postgres()
    database = f"practice_{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = production_env(workdir, port)
    env.update(DATABASE_URL=f"{server}/{database}")
    env.update(extra_env)
    log_path = workdir / "gunicorn.log"
    try:
        prepare_site(env, port=port)
        with gunicorn(env, port, log_path) as base_url:
            yield PostgresSite(base_url, env, env["DATABASE_URL"], log_path)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
