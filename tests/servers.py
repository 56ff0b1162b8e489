"""Servers the tests and the benchmark (bench/run.py) start on loopback: a free port, the
production settings' environment, the demo site prepared for it, gunicorn running the site,
and the test database for it."""

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parent.parent


def production_env(workdir: Path, port: int) -> dict[str, str]:
    """The production settings with a throwaway secret, the database, media, static files
    and cache under ``workdir``, for a site at 127.0.0.1:``port``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_CACHE_DIR=str(workdir / "cache"),
        WAGTAILADMIN_BASE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_site(env: dict[str, str], hostname: str = "127.0.0.1", port: int = 80) -> None:
    """Leaves ``env``'s database, media and static folders as ``migrate``,
    ``load_demo_content --hostname --port`` and ``collectstatic`` leave them, the demo
    site's default Site at ``hostname``:``port``.

    Those three commands take about 40 s; they run once per process and database server
    (a template), and each site gets a copy: a file copy on SQLite, ``CREATE DATABASE …
    TEMPLATE`` on PostgreSQL, where the database named by ``env`` must not exist yet. The
    content does not depend on the rest of ``env`` (ports, rate limits, the page cache's
    switches are read when the site runs), only on where the database lives.
    """
    database_url = env["DATABASE_URL"]
    template = site_template(server_of(database_url))
    if database_url.startswith("sqlite:"):
        copy_sqlite(template.database_url, database_url)
    else:
        create_from_template(database_url, template.database_url)
    copy_folder(template.media_root, Path(env["DJANGO_MEDIA_ROOT"]))
    collect_static(env)
    set_site_address(database_url, hostname, port)


def collect_static(env: dict[str, str]) -> None:
    """Leaves ``env``'s static folder as ``collectstatic`` does, from the template's."""
    copy_folder(site_template("sqlite").static_root, Path(env["DJANGO_STATIC_ROOT"]))


class SiteTemplate:
    """The demo site migrated, loaded and its static files collected, once per process."""

    def __init__(self, server: str):
        self.workdir = Path(tempfile.mkdtemp(prefix="practice-site-template-"))
        atexit.register(shutil.rmtree, self.workdir, ignore_errors=True)
        env = production_env(self.workdir, 80)
        if server != "sqlite":
            name = f"practice_template_{uuid.uuid4().hex[:8]}"
            env["DATABASE_URL"] = f"{server}/{name}"
            run_sql(f"{server}/postgres", f'CREATE DATABASE "{name}"')
            atexit.register(
                run_sql, f"{server}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
        self.database_url = env["DATABASE_URL"]
        self.media_root = Path(env["DJANGO_MEDIA_ROOT"])
        self.static_root = Path(env["DJANGO_STATIC_ROOT"])
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_content", "--hostname", "127.0.0.1", "--port", "80")
        manage(env, "collectstatic", "--noinput")


TEMPLATES: dict[str, SiteTemplate] = {}


def site_template(server: str) -> SiteTemplate:
    if server not in TEMPLATES:
        TEMPLATES[server] = SiteTemplate(server)
    return TEMPLATES[server]


def server_of(database_url: str) -> str:
    """ "sqlite", or the PostgreSQL server's URL without the database's name."""
    if database_url.startswith("sqlite:"):
        return "sqlite"
    return database_url.rsplit("/", 1)[0]


def sqlite_path(database_url: str) -> Path:
    return Path(urllib.parse.urlsplit(database_url).path)


def copy_sqlite(source_url: str, target_url: str) -> None:
    """Through SQLite's backup, which also copies what is still in the write-ahead log."""
    target_path = sqlite_path(target_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(sqlite_path(source_url))) as source:
        with contextlib.closing(sqlite3.connect(target_path)) as target:
            source.backup(target)


def create_from_template(database_url: str, template_url: str) -> None:
    server, name = database_url.rsplit("/", 1)
    template = template_url.rsplit("/", 1)[1]
    run_sql(f"{server}/postgres", f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def run_sql(database_url: str, sql: str, params: tuple = ()) -> None:
    if database_url.startswith("sqlite:"):
        with contextlib.closing(sqlite3.connect(sqlite_path(database_url))) as conn, conn:
            conn.execute(sql.replace("%s", "?"), params)
        return
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql, params)


def set_site_address(database_url: str, hostname: str, port: int) -> None:
    """What ``load_demo_content --hostname --port`` gives the default Site."""
    run_sql(
        database_url,
        "UPDATE wagtailcore_site SET hostname = %s, port = %s WHERE is_default_site",
        (hostname, port),
    )


def copy_folder(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


def run_in_site_process(env: dict[str, str], script: str, timeout: float = 120) -> str:
    """``script`` run by ``manage.py shell`` with ``env``, as another of the site's
    processes would run it; the last line it printed ("" if none)."""
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout.strip()
    return output.splitlines()[-1] if output else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # refused, reset or timed out while workers boot
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout} s")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    port: int,
    log_path: Path,
    *options: str,
    workers: int = 2,
    start_timeout: float = 30,
):
    """`gunicorn practice.wsgi` with two workers on 127.0.0.1:port; yields its base URL.

    ``options`` go to gunicorn as they are (``--timeout=180``). The log is appended to, so
    servers running side by side may share one.
    """
    with log_path.open("a") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "practice.wsgi",
                "--no-control-socket",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                *options,
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base_url + "/robots.txt", server, start_timeout)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def copy_test_database(path: Path) -> Path:
    """A file copy of the in-memory test database, for servers and commands in other processes.

    Only from a transactional test: sqlite's backup waits forever on an open transaction.
    """
    from django.db import connection

    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return path


def database_url_for_other_processes(workdir: Path) -> str:
    """The DATABASE_URL for servers and commands in other processes that must see this
    test's rows. Only from a transactional test, whose rows are committed.

    On SQLite, a file copy of the in-memory test database under ``workdir``. On PostgreSQL,
    the test database itself: the flush that ends the test empties what they wrote.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"sqlite:///{copy_test_database(workdir / 'site.sqlite3')}"
    test_database = "/" + connection.settings_dict["NAME"]
    return urllib.parse.urlunsplit(
        urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=test_database)
    )
