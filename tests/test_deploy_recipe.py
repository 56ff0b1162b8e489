"""deploy/ is a recipe that runs: nginx accepts its configuration, every systemd unit
starts a command that exists, every timer has its service, and the environment template
names every variable of the one environment table (docs/deployment.md)."""

import configparser
import re
import shlex
import shutil
import subprocess

import pytest
from django.core.management import get_commands

from .front_proxy import check_config, main_config, render, require_nginx
from .servers import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
APP_DIR = "/srv/practice"
MANAGE = f"{APP_DIR}/.venv/bin/python {APP_DIR}/manage.py"


def units(suffix: str) -> dict[str, configparser.ConfigParser]:
    parsed = {}
    for path in sorted(SYSTEMD.glob(f"*.{suffix}")):
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.optionxform = str
        unit.read_string(path.read_text())
        parsed[path.name] = unit
    return parsed


@pytest.mark.nginx
def test_nginx_accepts_the_site_configuration(tmp_path):
    require_nginx()
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=calmhands.example", "-keyout", key, "-out", certificate,
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    replacements = {
        "/etc/nginx/practice/": f"{tmp_path / 'practice'}/",
        "/var/cache/nginx/": f"{tmp_path / 'cache'}/",
        "/var/log/nginx/": f"{tmp_path}/",
        "/etc/letsencrypt/live/calmhands.example/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/calmhands.example/privkey.pem": str(key),
    }
    (tmp_path / "practice").mkdir()
    (tmp_path / "cache").mkdir()
    for path in (DEPLOY / "nginx" / "practice").glob("*.conf"):
        (tmp_path / "practice" / path.name).write_text(
            render(f"practice/{path.name}", replacements)
        )
    site = tmp_path / "practice.conf"
    site.write_text(render("practice.conf", replacements))
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(tmp_path, f"include {site};"))

    checked = check_config(config, tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "test is successful" in checked.stderr


def test_every_unit_runs_a_command_that_exists():
    commands = get_commands()
    services = units("service")
    assert {
        "practice-gunicorn.service",
        "practice-worker.service",
        "practice-publish-scheduled.service",
        "practice-purge-bookings.service",
        "practice-clearsessions.service",
        "practice-backup.service",
    } <= set(services)
    before_gunicorn = services["practice-gunicorn.service"]["Service"]["ExecStartPre"]
    assert before_gunicorn == f"{MANAGE} set_public_address"
    assert "set_public_address" in commands
    for name, unit in services.items():
        exec_start = unit["Service"]["ExecStart"]
        assert unit["Service"]["EnvironmentFile"] == "/etc/practice/practice.env", name
        if name == "practice-gunicorn.service":
            argv = shlex.split(exec_start)
            assert argv[0] == f"{APP_DIR}/.venv/bin/gunicorn"
            module = argv[1].replace(".", "/") + ".py"
            assert (REPO_ROOT / module).is_file(), exec_start
            continue
        assert exec_start.startswith(MANAGE + " "), name
        command = exec_start.removeprefix(MANAGE + " ").split()[0]
        assert command in commands, f"{name}: manage.py {command} does not exist"


def test_every_timer_starts_its_service():
    services = units("service")
    timers = units("timer")
    assert {
        "practice-publish-scheduled.timer",
        "practice-purge-bookings.timer",
        "practice-clearsessions.timer",
        "practice-backup.timer",
    } <= set(timers)
    for name, timer in timers.items():
        service = timer["Timer"].get("Unit", name.removesuffix(".timer") + ".service")
        assert service in services, name
        assert services[service]["Service"]["Type"] == "oneshot", service
        assert timer["Timer"]["OnCalendar"], name
    # Scheduled publishing runs every minute, as docs/operations.md says.
    assert timers["practice-publish-scheduled.timer"]["Timer"]["OnCalendar"] == "*-*-* *:*:00"


def test_systemd_analyze_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The units as they would be on a server whose checkout is this one.
    environment = tmp_path / "practice.env"
    environment.write_text("")
    for path in SYSTEMD.iterdir():
        text = path.read_text().replace(APP_DIR, str(REPO_ROOT))
        text = text.replace("/etc/practice/practice.env", str(environment))
        text = re.sub(r"^(User|Group)=.*$", r"\1=root", text, flags=re.M)
        (tmp_path / path.name).write_text(text)
    verified = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(path) for path in tmp_path.glob("practice-*"))],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [
        line
        for line in verified.stderr.splitlines()
        if str(tmp_path) in line or "practice-" in line
    ]
    assert not problems, verified.stderr
    assert verified.returncode == 0, verified.stderr


ENV_TABLE_HEADER = "| Variable | Used in |"


def documented_variables() -> set[str]:
    page = (REPO_ROOT / "docs" / "deployment.md").read_text()
    table = page[page.index(ENV_TABLE_HEADER) :]
    table = table[: table.index("\n\n")]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, flags=re.M))


def test_every_environment_variable_is_in_one_table():
    pages = [REPO_ROOT / "README.md", REPO_ROOT / "SECURITY.md", *(REPO_ROOT / "docs").glob("*.md")]
    tables = {page.name: page.read_text().count(ENV_TABLE_HEADER) for page in pages}
    assert sum(tables.values()) == 1, tables
    assert tables["deployment.md"] == 1


def test_the_environment_template_names_every_documented_variable():
    template = (DEPLOY / "practice.env.example").read_text()
    named = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\b", template))
    assigned = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", template, flags=re.M))
    variables = documented_variables()
    assert len(variables) > 30
    assert variables <= named, sorted(variables - named)
    assert assigned <= variables, sorted(assigned - variables)
