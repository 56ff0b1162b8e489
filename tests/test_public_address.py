"""The site's public address (DJANGO_PUBLIC_URL) is the only address it calls itself by.

With the setting at https://practice.example and requests arriving at gunicorn's own
address (Host 127.0.0.1, plain http), every page type's canonical link, og:url and JSON-LD,
the sitemap, robots.txt, the feed, every email's links and every calendar file name that
address, and nothing names a loopback host or the demo's.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from icalendar import Calendar
from wagtail.models import Site

from bookings import desk, notifications
from bookings.models import BookingRequest, CalendarFeed
from practice import checks
from practice.settings.base import public_url_setting

from .demo import DEMO_GUIDE_URL, DEMO_URLS
from .desk_support import calendar_of, parse, text_of
from .factories import make_staff_user, set_practice_details
from .posts import booking_data

pytestmark = pytest.mark.django_db

PUBLIC = "https://practice.example"
# Where a request may come in: gunicorn's own address, as a health check or a direct visit.
ARRIVED_AT = "127.0.0.1"
NOT_PUBLIC = ("127.0.0.1", "localhost", "[::1]", "0.0.0.0", "testserver", ":8000")
URL = re.compile(r"""(?:https?|webcal)://[^\s"'<>\\]+""")
# The JSON-LD's vocabulary, and the practice's pages elsewhere (its social links).
ELSEWHERE = {"schema.org", "www.instagram.com", "www.facebook.com"}


@pytest.fixture
def public_address(settings, demo_site):
    settings.PUBLIC_URL = settings.WAGTAILADMIN_BASE_URL = PUBLIC
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "practice.example"]
    call_command("set_public_address", verbosity=0)
    return PUBLIC


def assert_only_the_public_address(text: str, context: str) -> list[str]:
    """No loopback host or port is named in ``text``, and every URL at the public host is
    the public address's (https). Those URLs, for the caller to check further."""
    for name in NOT_PUBLIC:
        assert name not in text, f"{context} names {name}"
    own = [url for url in URL.findall(text) if urlsplit(url).hostname == "practice.example"]
    for url in own:
        assert url.startswith(PUBLIC + "/") or url == PUBLIC, f"{context}: {url}"
    return own


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.canonical = self.og_url = None
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        elif tag == "meta" and attrs.get("property") == "og:url":
            self.og_url = attrs["content"]
        self._in_json_ld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(data)

    def handle_endtag(self, tag):
        self._in_json_ld = False


def json_ld_urls(blocks: list[str]) -> list[str]:
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            found.append(value)

    for block in blocks:
        walk(json.loads(block))
    return found


@pytest.mark.parametrize("path", DEMO_URLS)
def test_every_page_type_names_the_public_address(client, public_address, path):
    response = client.get(path, headers={"host": ARRIVED_AT})
    assert response.status_code == 200
    html = response.content.decode()
    head = _Head()
    head.feed(html)

    assert head.canonical == PUBLIC + path
    assert head.og_url == PUBLIC + path
    ld_urls = json_ld_urls(head.json_ld)
    assert ld_urls, "the page's JSON-LD names no URL"
    assert [url for url in ld_urls if urlsplit(url).hostname not in ELSEWHERE] == [
        url for url in ld_urls if url.startswith(PUBLIC + "/")
    ]
    assert_only_the_public_address(html, path)


@pytest.mark.parametrize(
    "path",
    ["/sitemap.xml", "/sitemap-pages.xml", "/sitemap-articles.xml", "/robots.txt", "/blog/feed/"],
)
def test_the_sitemap_robots_and_feed_name_the_public_address(client, public_address, path):
    response = client.get(path, headers={"host": ARRIVED_AT})
    assert response.status_code == 200
    body = response.content.decode()

    own = assert_only_the_public_address(body, path)

    assert own, f"{path} names no URL of the site"
    if path == "/sitemap-articles.xml":
        assert PUBLIC + DEMO_GUIDE_URL in own
    if path == "/blog/feed/":
        assert {PUBLIC + "/blog/", PUBLIC + "/blog/feed/", PUBLIC + DEMO_GUIDE_URL} <= set(own)


@pytest.fixture
def booked_then_confirmed(client, public_address):
    """A booking posted at gunicorn's own address, confirmed, then cancelled by the client."""
    set_practice_details(booking_notification_email="inbox@practice.example")
    response = client.post("/book/", booking_data(), headers={"host": ARRIVED_AT})
    assert response.status_code == 302
    booking = BookingRequest.objects.get()
    therapist = make_staff_user()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    return booking, therapist


def test_every_email_and_its_calendar_file_name_the_public_address(
    booked_then_confirmed, smtp_server
):
    booking, _ = booked_then_confirmed
    booking.refresh_from_db()
    desk.client_cancels(booking, booking.calendar_sequence)

    notifications.send_pending()

    messages = [parse(envelope) for envelope in smtp_server.messages]
    # To the practice: the request, the cancellation. To the client: the acknowledgement,
    # the confirmation (with its calendar file), the cancellation (with its own).
    assert len(messages) >= 5
    linked = set()
    for message in messages:
        subject = message["Subject"]
        linked.update(assert_only_the_public_address(text_of(message), subject))
        for part in message.iter_attachments():
            assert_only_the_public_address(part.get_content(), f"{subject}: attachment")
    assert any("/admin/" in url for url in linked)  # the practice's link to the request
    assert any("/appointment/" in url for url in linked)  # the client's own link
    calendars = [m for m in messages if any(m.iter_attachments())]
    assert {calendar_of(message)[0] for message in calendars} == {"REQUEST", "CANCEL"}


def test_the_therapists_calendar_feed_and_its_page_name_the_public_address(
    booked_then_confirmed, client
):
    _, therapist = booked_then_confirmed
    feed = CalendarFeed.replace_token()

    response = client.get(feed.get_absolute_url(), headers={"host": ARRIVED_AT})

    assert response.status_code == 200
    body = response.content.decode()
    assert_only_the_public_address(body, "calendar feed")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["url"]).startswith(PUBLIC + "/admin/")

    client.force_login(therapist)
    page = client.get("/admin/booking_requests/calendar/", headers={"host": ARRIVED_AT})
    feed_urls = [url for url in URL.findall(page.content.decode()) if "/calendar/" in url]
    assert feed_urls and set(feed_urls) <= {
        PUBLIC + feed.get_absolute_url(),
        "webcal://practice.example" + feed.get_absolute_url(),
    }


# -- the setting, and how it reaches Wagtail's Site -----------------------------------


@pytest.mark.parametrize(
    ("value", "url", "hostname", "port", "root_url"),
    [
        ("https://practice.example", PUBLIC, "practice.example", 443, PUBLIC),
        ("https://Practice.Example:443/", PUBLIC, "practice.example", 443, PUBLIC),
        ("http://practice.example", "http://practice.example", "practice.example", 80, None),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1", 8000, None),
    ],
)
def test_the_setting_becomes_the_sites_hostname_and_port(
    settings, demo_site, value, url, hostname, port, root_url
):
    settings.PUBLIC_URL = public_url_setting(value)

    call_command("set_public_address", verbosity=0)

    site = Site.objects.get(is_default_site=True)
    assert settings.PUBLIC_URL == url
    assert (site.hostname, site.port) == (hostname, port)
    assert site.root_url == (root_url or url)


@pytest.mark.parametrize(
    "value",
    [
        "calmhands.example",
        "ftp://calmhands.example",
        "https://calmhands.example/practice/",
        "https://calmhands.example:8443",
        "http://calmhands.example:443",
        "https://user:secret@calmhands.example",
        "https://calmhands.example/?a=1",
        "https://calmhands.example:port",
    ],
)
def test_an_address_wagtails_site_cannot_hold_is_refused_with_its_reason(value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PUBLIC_URL is"):
        public_url_setting(value)


def test_migrate_gives_the_site_the_public_address(settings, demo_site):
    settings.PUBLIC_URL = PUBLIC

    call_command("migrate", verbosity=0)

    assert Site.objects.get(is_default_site=True).root_url == PUBLIC
    assert demo_site.get_full_url() == PUBLIC + "/"


def test_an_address_held_by_another_site_is_a_clear_error(settings, demo_site):
    Site.objects.create(hostname="practice.example", port=443, root_page=demo_site)
    settings.PUBLIC_URL = PUBLIC

    with pytest.raises(CommandError, match="Another Site already has the address"):
        call_command("set_public_address", verbosity=0)


# -- check --deploy ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "http://127.0.0.1:8000",  # the default: DJANGO_PUBLIC_URL unset
        "https://127.0.0.1",
        "https://127.10.0.2",
        "https://localhost",
        "https://app.localhost",
        "https://[::1]",
        "https://0.0.0.0",
        "https://[::]",
    ],
)
def test_check_deploy_refuses_a_loopback_public_address(settings, value):
    settings.PUBLIC_URL = public_url_setting(value)
    settings.ALLOWED_HOSTS = ["*"]

    assert [error.id for error in checks.public_address_check(None)] == ["practice.E001"]


def test_check_deploy_accepts_the_practices_own_address(settings):
    settings.PUBLIC_URL = PUBLIC
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["practice.example"]

    assert checks.public_address_check(None) == []


@pytest.mark.parametrize(
    ("url", "allowed_hosts", "error"),
    [
        ("http://practice.example", ["practice.example"], "practice.E002"),
        (PUBLIC, ["www.practice.example"], "practice.E003"),
    ],
)
def test_check_deploy_refuses_plain_http_or_a_host_it_would_not_answer(
    settings, url, allowed_hosts, error
):
    settings.PUBLIC_URL = url
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = allowed_hosts

    assert [found.id for found in checks.public_address_check(None)] == [error]
