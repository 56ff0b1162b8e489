"""SECURITY.md tells the deployer the truth: `check --deploy` with the production settings
is clean, as it says, and every setting, command and file it names exists."""

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import gunicorn.config
import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
SECURITY = (ROOT / "SECURITY.md").read_text()
CLEAN = "System check identified no issues (0 silenced)."
PROJECT_CODE = [
    path
    for app in ("home", "caching", "secret_paths", "services", "blog", "practice", "staff_access")
    for path in (ROOT / app).rglob("*.py")
]


def check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` with the production settings and only
    the environment they require, as SECURITY.md shows it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="calmhands.example",
        DJANGO_PUBLIC_URL="https://calmhands.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_with_the_production_settings_is_clean_as_security_md_says(tmp_path):
    result = check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert CLEAN in result.stdout
    assert f"```\n{CLEAN}\n```" in SECURITY
    assert "manage.py check --deploy --fail-level WARNING" in SECURITY


def test_check_deploy_fails_when_a_protection_is_switched_off(tmp_path):
    """The check above can fail: without the HTTPS redirect it warns, as SECURITY.md says."""
    result = check_deploy(tmp_path, DJANGO_SECURE_SSL_REDIRECT="0")

    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr
    assert "security.W008" in SECURITY


def names_in_backticks() -> set[str]:
    """Every `UPPER_CASE` name in SECURITY.md, with any `=value` after it dropped."""
    return set(re.findall(r"`([A-Z][A-Z0-9_]{2,})(?:=[^`]*)?`", SECURITY))


def environment_variables() -> set[str]:
    source = "\n".join(path.read_text() for path in (ROOT / "practice" / "settings").glob("*.py"))
    return set(re.findall(r'(?:environ\.get|_require)\(\s*"([A-Z0-9_]+)"', source))


def module_constants() -> set[str]:
    return {
        name
        for path in PROJECT_CODE
        for name in re.findall(r"^([A-Z][A-Z0-9_]+)\s*[:=]", path.read_text(), re.M)
    }


def test_every_setting_security_md_names_is_real():
    names = names_in_backticks()
    known = environment_variables() | module_constants()

    assert {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "CONTENT_SECURITY_POLICY",
        "PERMISSIONS_POLICY",
        "AXES_FAILURE_LIMIT",
        "STAFF_REQUIRE_2FA",
        "FORM_RATE_LIMIT_POSTS",
        "DJANGO_CLIENT_IP_HEADER",
        "BACKUP_ENCRYPTION_KEY",
        "CONSENT_VERSION",
    } <= names
    assert [
        name for name in sorted(names) if not hasattr(settings, name) and name not in known
    ] == []


def test_every_command_and_option_security_md_names_exists():
    commands = get_commands()
    used = re.findall(r"manage\.py (\w+)((?: --?[\w-]+| [A-Z]+)*)", SECURITY)

    assert {"backup", "restore", "axes_reset_username", "send_pending_notifications"} <= {
        name for name, _ in used
    }
    for name, arguments in used:
        assert name in commands, name
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        options = set(re.findall(r"(?<![\w-])--?[\w-]+", parser.format_help()))
        for option in re.findall(r"--?[\w-]+", arguments):
            assert option in options, f"manage.py {name} has no {option}"


def test_every_file_security_md_names_exists():
    paths = re.findall(
        r"`((?:home|caching|secret_paths|services|blog|practice|staff_access|templates|tests|bench)/[\w./-]*)`",
        SECURITY,
    )

    assert "practice/unavailable.py" in paths and "templates/503.html" in paths
    assert "staff_access/lockout.py" in paths
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_the_values_security_md_states_are_the_settings_values():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "data:"} & set(policy[directive])
    assert policy["default-src"] == policy["frame-ancestors"] == ["'none'"]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SILENCED_SYSTEM_CHECKS == []
    assert settings.SQLITE_OPTIONS["timeout"] < gunicorn.config.Config().timeout
    assert "AXES_FAILURE_LIMIT`) for the same username" in SECURITY
    assert "after 8 idle hours" in SECURITY


@pytest.mark.parametrize("value", ["'unsafe-inline'", "data:"])
def test_security_md_forbids_what_the_public_policy_must_never_allow(value):
    rule = next(
        line for line in SECURITY.splitlines() if line.startswith("| `CONTENT_SECURITY_POLICY`")
    )
    assert value in rule
