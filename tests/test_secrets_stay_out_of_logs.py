"""Addresses that are keys (a client's link, the calendar feed, a password-reset link) are
written to no log: not gunicorn's access or error log, not Django's warnings, not nginx's
access or page-hits log, whether the key is right, forged or out of date, in the path, in a
query string or in a Referer.

The servers are real: gunicorn with the production settings and the log options of
deploy/systemd/practice-gunicorn.service, nginx with deploy/nginx/ in front of it. On
PostgreSQL when DATABASE_URL names one (make test-postgres), else SQLite.
"""

import configparser
import datetime
import io
import logging
import re
import shlex
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings import client_link, desk
from bookings.models import BookingRequest, CalendarFeed
from secret_paths.redaction import MARK, RedactSecrets, carries_secret, redact

from .desk_support import weekday_booking
from .factories import make_staff_user
from .front_proxy import nginx, require_nginx, write_loopback_config
from .servers import (
    REPO_ROOT,
    collect_static,
    database_url_for_other_processes,
    free_port,
    gunicorn,
    production_env,
)

GUNICORN_UNIT = REPO_ROOT / "deploy" / "systemd" / "practice-gunicorn.service"

# -- the rule, over every spelling ------------------------------------------------------

TOKEN = "41-3-AbCdEf0123456789_xyz"


@pytest.mark.parametrize(
    "text",
    [
        f"/book/appointment/{TOKEN}/",
        f"/treatments/booking/appointment/{TOKEN}/",  # the booking page elsewhere
        f"GET /book/appointment/{TOKEN}/ HTTP/1.1",
        f"Not Found: /book/appointment/{TOKEN}/",
        f"http://calmhands.example/book/appointment/{TOKEN}/",
        f"/_util/login/?next=%2Fbook%2Fappointment%2F{TOKEN}%2F",
        f"/_util/login/?next=%2fbook%2fappointment%2f{TOKEN}%2f",
        f"/calendar/{TOKEN}.ics",
        f"/calendar/{TOKEN}",
        f"HEAD /calendar/{TOKEN}.ics?x=1 HTTP/1.1",
        f"/admin/password_reset/confirm/MQ/{TOKEN}/",
        f"/admin/password_reset/confirm/MQ/{TOKEN}",
    ],
)
def test_every_spelling_of_a_secret_address_is_redacted(text):
    assert carries_secret(text)
    cleaned = redact(text)
    assert TOKEN not in cleaned
    assert MARK in cleaned


@pytest.mark.parametrize(
    "text",
    ["/", "/book/", "/book/thanks/", "/blog/massage-for-sciatica-relief/", "/calendar.ics"],
)
def test_an_ordinary_address_is_left_as_it_is(text):
    assert not carries_secret(text)
    assert redact(text) == text


def test_the_logging_filter_is_on_the_handler_every_django_logger_reaches():
    root = logging.getLogger()
    # The one LOGGING sets (pytest adds its own capturing handlers beside it).
    (handler,) = [each for each in root.handlers if type(each) is logging.StreamHandler]
    assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        for name in ("django.request", "django.security.csrf", "django.server", "services"):
            logging.getLogger(name).warning("Not Found: %s", f"/book/appointment/{TOKEN}/")
        try:
            raise ValueError(f"/calendar/{TOKEN}.ics")
        except ValueError:
            logging.getLogger("django.request").exception("Internal Server Error: %s", "/x/")
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert written.count(f"Not Found: /book/appointment/{MARK}") == 4
    assert f"/calendar/{MARK}" in written
    assert TOKEN not in written


# -- real servers ---------------------------------------------------------------------


def recipe_log_options() -> list[str]:
    """gunicorn's log options as deploy/systemd/practice-gunicorn.service gives them."""
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string(GUNICORN_UNIT.read_text())
    argv = shlex.split(unit["Service"]["ExecStart"])
    options = []
    for name in ("--access-logfile", "--logger-class"):
        options += [name, argv[argv.index(name) + 1]]
    return options


def secret_addresses() -> dict[str, list[str]]:
    """Right, forged and out-of-date secret addresses of this test's database: what each
    secret is, and the paths to ask for with it."""
    staff = make_staff_user("robin")
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=staff)
    booking.refresh_from_db()
    current = urllib.parse.urlsplit(client_link.link_url(booking, booking.calendar_sequence)).path
    out_of_date = urllib.parse.urlsplit(
        client_link.link_url(booking, booking.calendar_sequence - 1)
    ).path
    past = weekday_booking(days_ahead=14)
    desk.confirm(past, past.window_1_start, by=staff)
    past.refresh_from_db()
    expired = urllib.parse.urlsplit(client_link.link_url(past, past.calendar_sequence)).path
    BookingRequest.objects.filter(pk=past.pk).update(
        appointment_start=timezone.now() - datetime.timedelta(days=3)
    )
    feed = CalendarFeed.current() or CalendarFeed.replace_token()
    reset_token = default_token_generator.make_token(staff)
    uid = urlsafe_base64_encode(force_bytes(staff.pk))

    def token_of(path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[1]

    forged_link = current[:-2] + ("x" if current[-2] != "x" else "y") + "/"
    secrets = {
        token_of(current): [current],
        token_of(out_of_date): [out_of_date],
        token_of(expired): [expired],
        token_of(forged_link): [forged_link],
        feed.token: [f"/calendar/{feed.token}.ics"],
        feed.token[::-1]: [f"/calendar/{feed.token[::-1]}.ics"],
        reset_token: [f"/admin/password_reset/confirm/{uid}/{reset_token}/"],
        reset_token[::-1]: [f"/admin/password_reset/confirm/{uid}/{reset_token[::-1]}/"],
    }
    # In a query string too, as a sign-in page's "next" holds an address.
    secrets[token_of(current)].append("/_util/login/?next=" + urllib.parse.quote(current, ""))
    return secrets


def ask(base_url: str, path: str, method: str = "GET", headers=None) -> int:
    request = urllib.request.Request(
        base_url + path,
        method=method,
        headers=headers or {},
        data=b"" if method == "POST" else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def ask_every_way(base_url: str, secrets: dict[str, list[str]]) -> list[tuple[str, str, int]]:
    """Each address asked for as a page, a HEAD, a form sent without its CSRF cookie (Django
    logs the refusal with the path), and as the Referer of the next page."""
    answers = []
    for paths in secrets.values():
        for path in paths:
            for method in ("GET", "HEAD", "POST"):
                answers.append((method, path, ask(base_url, path, method)))
            referred = ask(base_url, "/", headers={"Referer": base_url + path})
            answers.append(("Referer", path, referred))
    return answers


def leaks(text: str, secrets) -> list[str]:
    return [secret for secret in secrets if secret in text]


@pytest.mark.nginx
@pytest.mark.django_db(transaction=True)
def test_no_log_of_gunicorn_django_or_nginx_holds_a_secret_address(demo_site, tmp_path):
    secrets = secret_addresses()
    app_port = free_port()
    env = production_env(tmp_path, app_port)
    env["DATABASE_URL"] = database_url_for_other_processes(tmp_path)
    # The key these links and tokens were signed with.
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    collect_static(env)
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(env, app_port, log_path, *recipe_log_options()) as app_url:
        statuses = ask_every_way(app_url, secrets)
        # Right, forged, out of date or expired, and without a CSRF cookie.
        assert {200, 404, 410, 403} <= {status for *_, status in statuses}, statuses

        require_nginx()
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        (public := tmp_path / "public").mkdir()
        front_port = free_port()
        config = write_loopback_config(nginx_dir, front_port, free_port(), app_port, public)
        with nginx(config, nginx_dir, front_port) as front_url:
            through_nginx = ask_every_way(front_url, secrets)
        assert through_nginx == statuses

    app_log = log_path.read_text(errors="replace")
    # The requests, and Django's warnings about them, are in the log: with [secret].
    assert re.search(r'"GET /book/appointment/\[secret\]/ HTTP/1.1" 200', app_log)
    assert re.search(r'"GET /calendar/\[secret\] HTTP/1.1" 404', app_log)
    assert "Not Found: /book/appointment/[secret]" in app_log
    assert "Not Found: /calendar/[secret]" in app_log
    assert "Forbidden (CSRF cookie not set.): /book/appointment/[secret]" in app_log
    assert f'"{app_url}/book/appointment/[secret]/"' in app_log  # a referrer
    assert leaks(app_log, secrets) == []

    logs = {path.name: path.read_text(errors="replace") for path in nginx_dir.glob("*.log")}
    access = logs["practice-access.log"]
    assert re.search(r'"GET /book/appointment/\[secret\]/ HTTP/1.1" 200', access)
    assert re.search(r'"GET /admin/password_reset/confirm/\[secret\]/ HTTP/1.1"', access)
    assert "/_util/login/?next=%2Fbook%2Fappointment%2F[secret]" in access
    assert f'"{front_url}/calendar/[secret]' in access  # a referrer
    # Debian's own access log (the test's main configuration sets one for all sites) is
    # replaced by the site's: nothing reaches it.
    assert logs.get("access.log", "") == ""
    for name, text in logs.items():
        assert leaks(text, secrets) == [], name


def test_the_recipe_starts_gunicorn_with_the_redacting_logger():
    options = recipe_log_options()
    assert options[options.index("--logger-class") + 1] == "practice.gunicorn_logging.Logger"
    assert Path(REPO_ROOT / "practice" / "gunicorn_logging.py").is_file()
