"""Reading her busy calendar from its address (availability/feed.py, busy_calendar.py),
against a real HTTPS server on loopback with its own certificate, which these tests trust
through OpenSSL's SSL_CERT_FILE. Loopback is refused unless BUSY_CALENDAR_ALLOW_LOOPBACK."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from availability.busy_calendar import current_copy, read_busy_calendar
from availability.feed import FeedError, fetch
from availability.models import AvailabilitySettings, BusyCalendarCopy

from .https_server import Answer, https_server, make_certificate

TOMORROW = (timezone.now() + dt.timedelta(days=1)).astimezone(dt.UTC)
EVENT_START = TOMORROW.replace(hour=10, minute=0, second=0, microsecond=0)
CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:dentist\r\n"
    f"DTSTART:{EVENT_START:%Y%m%dT%H%M%SZ}\r\n"
    f"DTEND:{EVENT_START + dt.timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\n"
    "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return certificate


@pytest.fixture
def loopback_allowed(settings):
    settings.BUSY_CALENDAR_ALLOW_LOOPBACK = True


def set_address(url: str) -> None:
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = url
    rules.save()


@pytest.mark.django_db
def test_her_calendar_is_read_over_https_into_the_copy(trusted, loopback_allowed):
    with https_server(*trusted, {"/private/basic.ics": Answer(body=CALENDAR)}) as (base, asked):
        set_address(f"{base}/private/basic.ics")
        read_busy_calendar()
    copy = current_copy()
    assert asked == ["/private/basic.ics"]
    assert copy.error == ""
    assert copy.intervals() == [(EVENT_START, EVENT_START + dt.timedelta(hours=1))]


@pytest.mark.django_db
def test_a_calendar_that_cannot_be_read_keeps_the_last_good_copy(trusted, loopback_allowed):
    answers = {"/basic.ics": Answer(body=CALENDAR)}
    with https_server(*trusted, answers) as (base, _asked):
        set_address(f"{base}/basic.ics")
        read_busy_calendar()
        answers["/basic.ics"] = Answer(status=500, body=b"Oops")
        first_failure = read_busy_calendar(now=timezone.now() + dt.timedelta(minutes=5))
        read_busy_calendar(now=timezone.now() + dt.timedelta(minutes=10))
    copy = current_copy()
    assert copy.error == "The calendar's server answered 500."
    assert copy.failing_since == first_failure.tried_at
    assert copy.intervals() == [(EVENT_START, EVENT_START + dt.timedelta(hours=1))]


@pytest.mark.django_db
def test_a_page_that_is_no_calendar_keeps_the_last_good_copy(trusted, loopback_allowed):
    answers = {"/basic.ics": Answer(body=CALENDAR)}
    with https_server(*trusted, answers) as (base, _asked):
        set_address(f"{base}/basic.ics")
        read_busy_calendar()
        answers["/basic.ics"] = Answer(body=b"<html>Please sign in</html>")
        read_busy_calendar()
    copy = current_copy()
    assert copy.error == "This is not a calendar file."
    assert len(copy.intervals()) == 1


def test_loopback_is_refused_without_the_test_setting(trusted, settings):
    settings.BUSY_CALENDAR_ALLOW_LOOPBACK = False
    with https_server(*trusted, {"/basic.ics": Answer(body=CALENDAR)}) as (base, asked):
        with pytest.raises(FeedError, match="private network"):
            fetch(f"{base}/basic.ics")
        with pytest.raises(FeedError, match="private network"):
            fetch(base.replace("localhost", "127.0.0.1") + "/basic.ics")
    assert asked == []


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.8/calendar.ics",
        "https://192.168.1.1/calendar.ics",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/calendar.ics",
        "https://[fe80::1]/calendar.ics",
        "https://[::ffff:10.0.0.8]/calendar.ics",
        "https://100.64.0.1/calendar.ics",
        "https://0.0.0.0/calendar.ics",
        "https://240.0.0.1/calendar.ics",
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(url, settings):
    settings.BUSY_CALENDAR_ALLOW_LOOPBACK = False
    with pytest.raises(FeedError, match="private network"):
        fetch(url)


@pytest.mark.parametrize(
    "url", ["http://calendar.example/basic.ics", "ftp://calendar.example/x", "calendar.ics"]
)
def test_only_https_is_read(url):
    with pytest.raises(FeedError, match="https://"):
        fetch(url)


def test_a_certificate_nobody_vouches_for_is_refused(certificate, loopback_allowed, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with https_server(*certificate, {"/basic.ics": Answer(body=CALENDAR)}) as (base, _asked):
        with pytest.raises(FeedError, match="no valid certificate"):
            fetch(f"{base}/basic.ics")


def test_webcal_addresses_and_redirects_are_followed(trusted, loopback_allowed):
    answers = {
        "/old.ics": Answer(status=302, headers={"Location": "/new.ics"}),
        "/new.ics": Answer(body=CALENDAR),
    }
    with https_server(*trusted, answers) as (base, asked):
        assert fetch(base.replace("https://", "webcal://") + "/old.ics") == CALENDAR
    assert asked == ["/old.ics", "/new.ics"]


def test_a_redirect_to_plain_http_is_refused(trusted, loopback_allowed):
    answers = {"/old.ics": Answer(status=301, headers={"Location": "http://localhost/x.ics"})}
    with https_server(*trusted, answers) as (base, _asked):
        with pytest.raises(FeedError, match="https://"):
            fetch(f"{base}/old.ics")


def test_a_calendar_larger_than_the_limit_is_refused(trusted, loopback_allowed):
    answers = {"/big.ics": Answer(body=CALENDAR * 100)}
    with https_server(*trusted, answers) as (base, _asked):
        with pytest.raises(FeedError, match="larger than"):
            fetch(f"{base}/big.ics", max_bytes=len(CALENDAR) * 10)


def test_a_missing_calendar_says_what_the_server_answered(trusted, loopback_allowed):
    with https_server(*trusted, {}) as (base, _asked):
        with pytest.raises(FeedError, match="answered 404"):
            fetch(f"{base}/gone.ics")


@pytest.mark.django_db
def test_the_command_reads_once_and_says_how_it_went(trusted, loopback_allowed, capsys):
    call_command("read_busy_calendar")
    assert "No busy calendar is set." in capsys.readouterr().out
    with https_server(*trusted, {"/basic.ics": Answer(body=CALENDAR)}) as (base, _asked):
        set_address(f"{base}/basic.ics")
        call_command("read_busy_calendar")
        assert "Read: 1 busy times." in capsys.readouterr().out
        set_address(f"{base}/missing.ics")
        call_command("read_busy_calendar", "--loop", "--runs", "1")
    assert "Not read: The calendar's server answered 404." in capsys.readouterr().out


@pytest.mark.django_db
def test_clearing_the_address_forgets_the_copy(trusted, loopback_allowed):
    with https_server(*trusted, {"/basic.ics": Answer(body=CALENDAR)}) as (base, _asked):
        set_address(f"{base}/basic.ics")
        read_busy_calendar()
    set_address("")
    assert read_busy_calendar() is None
    assert not BusyCalendarCopy.objects.exists()
