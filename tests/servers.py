"""Servers the tests and the benchmark (bench/run.py) start on loopback: a free port,
gunicorn running the site, and the test database for it."""

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


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
