"""The dashboard shows practice staff today's and tomorrow's appointments; others see none."""

import datetime

import pytest
from django.utils import timezone

from bookings.appointments import local_midnight
from bookings.models import BookingRequest

from .factories import make_booking_request, make_staff_user, make_superuser
from .page_reading import links, region, visible_text

pytestmark = pytest.mark.django_db

HEADING = "Today and tomorrow"


def inspect_url(booking) -> str:
    return f"/admin/booking_requests/inspect/{booking.pk}/"


def at(days_ahead: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A time of the practice's day, ``days_ahead`` from today."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return local_midnight(day) + datetime.timedelta(hours=hour, minutes=minute)


def confirmed(name, start, **fields) -> BookingRequest:
    return make_booking_request(
        name, start, status=BookingRequest.Status.CONFIRMED, confirmed_window=1, **fields
    )


def panel_of(client):
    section = region(client.get("/admin/").content, HEADING)
    assert section is not None, "the dashboard has no appointments panel"
    return section


def panel(client) -> str:
    return visible_text(panel_of(client))


def test_staff_see_todays_and_tomorrows_appointments_with_a_link_each(staff_client):
    early = confirmed("Ann Archer", at(0, 0, 15), service_title="Swedish Massage")
    late = confirmed("Bea Baker", at(1, 17, 30), session_minutes=90)
    confirmed("Later Lou", at(2, 9))
    confirmed("Yesterday Yan", at(-1, 23, 45))
    make_booking_request("Nina New", at(0, 11))  # a request, not an appointment
    make_booking_request("Cal Cancelled", at(0, 12), status="cancelled", confirmed_window=1)

    section = panel_of(staff_client)
    text = visible_text(section)

    today, tomorrow = text.split("Tomorrow, ")
    assert "00:15–01:15 Ann Archer Swedish Massage, 60 min" in today
    assert "17:30–19:00 Bea Baker Sports Massage, 90 min" in tomorrow
    for absent in ("Later Lou", "Yesterday Yan", "Nina New", "Cal Cancelled"):
        assert absent not in text
    assert links(section) == [
        ("00:15–01:15 Ann Archer Swedish Massage, 60 min", inspect_url(early)),
        ("17:30–19:00 Bea Baker Sports Massage, 90 min", inspect_url(late)),
        ("Week at a glance", "/admin/booking_requests/week/"),
    ]


def test_a_day_with_nothing_booked_says_so(staff_client):
    confirmed("Bea Baker", at(1, 10))
    today, tomorrow = panel(staff_client).split("Tomorrow, ")
    assert "No appointments." in today and "Bea Baker" in tomorrow


def test_the_panel_holds_no_health_notes_or_contact_details(staff_client):
    confirmed("Ann Archer", at(0, 15), notes="Slipped disc", email="ann@example.com")
    text = panel(staff_client)
    assert "Ann Archer" in text
    assert "Slipped disc" not in text and "ann@example.com" not in text


def test_a_superuser_sees_the_panel_and_an_editor_does_not(client, demo_site):
    confirmed("Ann Archer", at(0, 15))
    client.force_login(make_superuser())
    assert "Ann Archer" in panel(client)

    client.force_login(make_staff_user("eddie", "Editors"))
    dashboard = client.get("/admin/").content.decode()
    assert HEADING not in dashboard and "Ann Archer" not in dashboard
