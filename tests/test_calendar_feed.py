"""Her appointments in her phone's calendar: a private .ics feed at a secret address.

The feed is read as a calendar app reads it (no login, no cookie) and parsed with the
icalendar library; the address is replaced through the admin page, as she would.
"""

import datetime
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from bookings.ics import booking_calendar
from bookings.models import BookingRequest, CalendarFeed

from .factories import make_booking_request, make_staff_user, set_practice_details
from .page_reading import button, control, links

pytestmark = pytest.mark.django_db

ADMIN_PAGE = "/admin/booking_requests/calendar/"


def appointment(name, start, status=BookingRequest.Status.CONFIRMED, **fields):
    return make_booking_request(
        name,
        start - datetime.timedelta(minutes=30),
        status=status,
        confirmed_window=1,
        appointment_start=start,
        **fields,
    )


def fetch(path: str):
    """As a calendar app asks: a fresh client, no session, no cookie."""
    return Client().get(path)


def events(response) -> dict[str, dict]:
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["summary"]): event
        for event in calendar.walk("VEVENT")  # every appointment, by its summary
    }


@pytest.fixture
def feed(demo_site):
    return CalendarFeed.replace_token()


def test_the_feed_holds_confirmed_appointments_from_a_month_ago_onwards(feed):
    now = timezone.now().replace(second=0, microsecond=0)
    soon = appointment("Ann Archer", now + datetime.timedelta(days=2), service_title="Swedish")
    done = appointment(
        "Bea Baker", now - datetime.timedelta(days=20), status="completed", session_minutes=90
    )
    appointment("Old Olga", now - datetime.timedelta(days=40))
    appointment("Cal Cancelled", now + datetime.timedelta(days=3), status="cancelled")
    make_booking_request("Nina New", now + datetime.timedelta(days=4))
    make_booking_request("Dee Declined", now + datetime.timedelta(days=5), status="declined")

    response = fetch(feed.get_absolute_url())
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)

    assert set(found) == {"Swedish: Ann", "Sports Massage: Bea"}
    ann = found["Swedish: Ann"]
    assert ann.decoded("dtstart") == soon.appointment_start
    assert ann.decoded("dtend") == soon.appointment_start + datetime.timedelta(minutes=60)
    bea = found["Sports Massage: Bea"]
    assert bea.decoded("dtend") - bea.decoded("dtstart") == datetime.timedelta(minutes=90)
    assert f"/admin/booking_requests/inspect/{done.pk}/" in str(bea["description"])


def test_each_event_has_the_uid_of_the_clients_confirmation_file(feed):
    practice = set_practice_details(name="Calm Hands")
    booking = appointment("Ann Archer", timezone.now() + datetime.timedelta(days=2))
    confirmation = Calendar.from_ical(booking_calendar(booking, practice))
    [sent] = confirmation.walk("VEVENT")

    [event] = events(fetch(feed.get_absolute_url())).values()
    assert str(event["uid"]) == str(sent["uid"]) == booking.calendar_uid
    # Random, not made of the id, which a restore from an older backup hands out again.
    assert uuid.UUID(booking.calendar_uid).version == 4


def test_the_feed_holds_no_health_notes_and_no_contact_details(feed):
    appointment(
        "Ann Archer-Smythe",
        timezone.now() + datetime.timedelta(days=2),
        notes="Recovering from a slipped disc",
        email="ann@example.com",
        phone="+44 7700 900456",
    )
    body = fetch(feed.get_absolute_url()).content.decode()
    assert "Ann" in body
    for private in ("slipped disc", "ann@example.com", "900456", "Smythe"):
        assert private not in body


def test_a_wrong_token_or_no_feed_at_all_is_404(demo_site):
    assert fetch("/calendar/not-the-token.ics").status_code == 404  # no feed yet
    feed = CalendarFeed.replace_token()
    assert fetch(f"/calendar/{feed.token[:-1]}x.ics").status_code == 404
    assert fetch("/calendar/.ics").status_code == 404
    assert fetch(feed.get_absolute_url()).status_code == 200


def test_the_feed_sets_no_cookie_and_is_never_cached(feed, settings):
    settings.PAGE_CACHE_ENABLED = True
    response = fetch(feed.get_absolute_url())
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and not response.cookies
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert response["Referrer-Policy"] == "no-referrer"
    assert Client().head(feed.get_absolute_url()).status_code == 200  # apps that look first

    # Answered twice with the page cache on, then replaced: the old address is gone at once.
    old_url = feed.get_absolute_url()
    assert fetch(old_url).status_code == 200
    CalendarFeed.replace_token()
    assert fetch(old_url).status_code == 404


def test_she_makes_copies_and_replaces_the_address_in_the_admin(staff_client, demo_site):
    page = staff_client.get(ADMIN_PAGE).content.decode()
    assert "You have no calendar address yet." in page

    made = staff_client.post(ADMIN_PAGE, follow=True)
    first = CalendarFeed.current()
    page = made.content.decode()
    address = control(page, "Address to subscribe to")
    assert address["value"] == f"http://testserver/calendar/{first.token}.ics"
    webcal = f"webcal://testserver/calendar/{first.token}.ics"
    assert ("Subscribe on this iPhone", webcal) in links(page)
    assert button(page, "Copy the address")["data-action"] == "w-clipboard#copy"
    for words in ("iPhone", "Add Subscribed Calendar", "Android", "From URL"):
        assert words in page
    assert fetch(first.get_absolute_url()).status_code == 200

    replaced = staff_client.post(ADMIN_PAGE, follow=True).content.decode()
    second = CalendarFeed.current()
    assert second.token != first.token and CalendarFeed.objects.count() == 1
    assert "The old one no longer works" in replaced
    assert second.token in replaced and first.token not in replaced
    assert fetch(first.get_absolute_url()).status_code == 404
    assert fetch(second.get_absolute_url()).status_code == 200


def test_only_practice_staff_see_or_replace_the_address(client, feed):
    token = feed.token
    client.force_login(make_staff_user("eddie", "Editors"))
    assert client.get(ADMIN_PAGE).status_code == 302
    assert client.post(ADMIN_PAGE).status_code == 302
    assert CalendarFeed.current().token == token
    page = client.get("/admin/", follow=True).content.decode()
    assert token not in page


def test_the_week_view_leads_to_the_calendar_page(staff_client):
    week = staff_client.get("/admin/booking_requests/week/").content.decode()
    assert ("Put your appointments in your phone's calendar", ADMIN_PAGE) in links(week)
