import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from practice.settings.base import database_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "practice.settings.production",
    "DJANGO_ALLOWED_HOSTS": "calmhands.example,www.calmhands.example",
    "DJANGO_PUBLIC_URL": "https://calmhands.example",
}


def test_production_passes_the_deployment_checklist_without_a_warning(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="a-long-random-value-only-for-this-test-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **PRODUCTION)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_models_and_migrations_agree():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="practice.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_reads_hosts_and_database_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.ALLOWED_HOSTS);"
        "print(settings.DATABASES['default']['NAME']);"
        "print(settings.DATABASES['default']['OPTIONS']['transaction_mode'])"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    hosts, name, mode = result.stdout.splitlines()
    assert hosts == "['calmhands.example', 'www.calmhands.example']"
    assert name == str(tmp_path / "prod.sqlite3")
    assert mode == "IMMEDIATE"


@pytest.mark.django_db
def test_sqlite_connection_waits_for_locks_instead_of_failing():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_file_database_runs_in_wal_mode(tmp_path):
    code = (
        "from django.db import connection;"
        "cursor = connection.cursor();"
        "cursor.execute('PRAGMA journal_mode');"
        "print(cursor.fetchone()[0])"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_SETTINGS_MODULE="practice.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


def test_migrate_creates_the_folder_of_a_new_sqlite_database(tmp_path):
    """`make install` makes no var/: the first `manage.py migrate` must still work."""
    database = tmp_path / "not" / "made" / "yet" / "db.sqlite3"
    result = run_manage(
        "migrate",
        "--noinput",
        "contenttypes",
        DJANGO_SETTINGS_MODULE="practice.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    assert "Applying contenttypes.0001_initial... OK" in result.stdout
    assert database.stat().st_size > 0


def test_the_default_sqlite_database_gets_its_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    default = tmp_path / "var" / "db.sqlite3"
    config = database_from_env(default)
    assert config["NAME"] == str(default)
    assert default.parent.is_dir()
