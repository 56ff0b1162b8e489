"""20 visitors booking at once, each clicking twice: every request stored exactly once.

Each database runs in a fresh subprocess with its own real database holding the demo site
(tests/servers.py's ``prepare_site``): a SQLite file (WAL, IMMEDIATE transactions, as
configured in settings) and PostgreSQL (tests/optional_services.py).
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from .optional_services import require_postgres
from .servers import prepare_site

ROOT = Path(__file__).resolve().parent.parent
THREADS = 20


def concurrent_bookings() -> dict:
    """Run inside the subprocess, on the demo site: post from 20 threads."""
    import threading

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bookings.models import BookingRequest, Notification
    from tests.posts import booking_data

    payloads = [booking_data(email=f"client{n}@example.com") for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    statuses, errors = [], []

    def visitor(n):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        try:
            barrier.wait()
            for _ in range(2):  # a double click: the same form, posted twice
                statuses.append(client.post("/book/", payloads[n]).status_code)
        except Exception as error:  # whatever it is, reported to the test
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {
        "statuses": statuses,
        "errors": errors,
        "emails": list(BookingRequest.objects.values_list("email", flat=True)),
        "notifications": Notification.objects.count(),
        "vendor": connection.vendor,
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            result["journal_mode"] = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            result["busy_timeout"] = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    return result


def run_in_subprocess(database_url: str, workdir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": database_url,
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "PYTHONPATH": str(ROOT),
    }
    prepare_site(
        {**env, "DJANGO_STATIC_ROOT": str(workdir / "static")}, hostname="testserver", port=80
    )
    code = (
        "import json, tests.test_booking_concurrency as m; "
        "print('RESULT ' + json.dumps(m.concurrent_bookings()))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-5000:]
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def assert_each_stored_once(result):
    assert result["errors"] == []
    assert all(status == 302 for status in result["statuses"]), result["statuses"]
    assert len(result["statuses"]) == 2 * THREADS
    assert sorted(result["emails"]) == sorted(f"client{n}@example.com" for n in range(THREADS))
    assert result["notifications"] == 2 * THREADS


def test_concurrent_bookings_on_sqlite_are_each_stored_once(tmp_path):
    result = run_in_subprocess(f"sqlite:///{tmp_path / 'concurrency.sqlite3'}", tmp_path)
    assert result["vendor"] == "sqlite"
    assert result["journal_mode"] == "wal"
    assert result["busy_timeout"] == 20000
    assert_each_stored_once(result)


@pytest.mark.postgres
def test_concurrent_bookings_on_postgresql_are_each_stored_once(tmp_path):
    postgres = require_postgres()
    name = f"booking_concurrency_{uuid.uuid4().hex[:8]}"
    admin = f"{postgres}/postgres"
    try:
        result = run_in_subprocess(f"{postgres}/{name}", tmp_path)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result["vendor"] == "postgresql"
    assert_each_stored_once(result)
