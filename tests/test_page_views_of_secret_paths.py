"""Page views count only the site's public pages: never a client's link (a key to their
booking, which the table and every backup would keep), the calendar feed, a password-reset
link or a form's thank-you page. One rule (``home.page_requests.is_page_path``) for the middleware,
nginx's hits log and the rows already stored, which a migration deletes. On PostgreSQL with
DATABASE_URL set."""

import importlib

import pytest

from bookings import client_link, desk
from home.page_requests import is_page_path
from page_views import counting
from page_views.models import PageViewDay
from services.came_from import clean_path

from .desk_support import weekday_booking
from .factories import make_staff_user
from .mail import run_worker
from .test_front_cache_page_views import append, count, hit, hits_log  # noqa: F401 (fixtures)
from .test_page_views import BROWSER, empty_tally  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

NOT_PAGES = [
    "/book/appointment/41-3-AbCdEf0123456789_xyz/",
    "/treatments/book/appointment/41-3-AbCdEf0123456789_xyz/",
    "/calendar/ZrhbEsvpBMBMxAe09AzjnAUAkCh.ics",
    "/admin/password_reset/confirm/MQ/dj8dev-eda27b9eb699c03ce5f6/",
    "/book/thanks/",
    "/contact/thanks/",
]
PAGES = ["/", "/book/", "/contact/", "/blog/massage-for-sciatica-relief/", "/services/"]


@pytest.mark.parametrize("path", NOT_PAGES)
def test_secret_and_answer_addresses_are_not_pages(path):
    assert not is_page_path(path)
    assert not counting.counts_as_view("GET", 200, "text/html", path, BROWSER)


@pytest.mark.parametrize("path", PAGES)
def test_the_sites_pages_are(path):
    assert is_page_path(path)


def test_a_clients_link_and_the_thank_you_page_are_not_counted_when_visited(
    client, demo_site, smtp_server
):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=make_staff_user("sam"))
    run_worker()
    booking.refresh_from_db()
    link = client_link.link_url(booking, booking.calendar_sequence).removeprefix(
        "http://testserver"
    )
    for path in (link, "/book/thanks/", "/book/"):
        assert client.get(path, HTTP_USER_AGENT=BROWSER).status_code == 200, path
    counting.flush()
    assert list(PageViewDay.objects.values_list("path", flat=True)) == ["/book/"]


def test_nginx_hits_of_secret_addresses_are_not_counted(hits_log, count):  # noqa: F811
    for path in [*NOT_PAGES, "/blog/massage-for-sciatica-relief/"]:
        append(hits_log, hit(path=path))
    count()
    assert list(PageViewDay.objects.values_list("path", flat=True)) == [
        "/blog/massage-for-sciatica-relief/"
    ]


@pytest.mark.parametrize("path", [*NOT_PAGES, *PAGES])
def test_the_migration_that_deleted_stored_views_kept_the_same_rule(path):
    """home 0009 holds the rule as it stood (tests/test_page_views_move.py runs it on rows)."""
    migration = importlib.import_module("home.migrations.0009_forget_page_views_of_secret_paths")
    assert migration.is_page_path(path) == is_page_path(path)


@pytest.mark.parametrize("path", NOT_PAGES[:4])
def test_a_booking_never_stores_a_secret_address_as_where_it_came_from(path):
    assert clean_path(path) == ""
    assert clean_path("/blog/massage-for-sciatica-relief/") != ""
