"""What makes the desk one she can trust: the calendar UID that never changes, and
"Complete" offered only once the appointment has begun, with a note only where it is sent."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from bookings import desk
from bookings.models import BookingRequest, CalendarFeed

from .desk_support import CLIENT, calendar_of, sent_to, weekday_booking
from .factories import make_staff_user, set_practice_details
from .mail import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def therapist(demo_site):
    return make_staff_user("robin")


def text(response) -> str:
    assert response.status_code == 200
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def feed_uids() -> list[str]:
    feed = CalendarFeed.current() or CalendarFeed.replace_token()
    response = Client().get(feed.get_absolute_url())
    assert response.status_code == 200
    return [str(event["uid"]) for event in Calendar.from_ical(response.content).walk("VEVENT")]


def test_the_calendar_uid_survives_renaming_the_practice_and_moving_the_appointment(
    demo_site, therapist, smtp_server
):
    set_practice_details(name="Calm Hands")
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    run_worker()
    _, first, _ = calendar_of(sent_to(smtp_server, CLIENT)[-1])
    assert feed_uids() == [str(first["uid"])]

    set_practice_details(name="Calm Hands Massage & Wellbeing")
    BookingRequest.objects.filter(pk=booking.pk).update(service_title="Deep Tissue (90 min)")
    desk.confirm(booking, booking.window_2_start, by=therapist)
    run_worker()
    method, moved, _ = calendar_of(sent_to(smtp_server, CLIENT)[-1])
    assert method == "REQUEST" and int(moved["sequence"]) > int(first["sequence"])
    assert str(moved["summary"]) == "Deep Tissue (90 min) at Calm Hands Massage & Wellbeing"
    assert str(moved["uid"]) == str(first["uid"])
    assert feed_uids() == [str(first["uid"])]


def begun(booking):
    BookingRequest.objects.filter(pk=booking.pk).update(
        appointment_start=timezone.now() - datetime.timedelta(minutes=30)
    )
    booking.refresh_from_db()
    return booking


def test_complete_is_offered_only_once_the_appointment_has_begun(demo_site, client, therapist):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    booking.refresh_from_db()
    client.force_login(therapist)
    page_url = f"/admin/booking_requests/inspect/{booking.pk}/"
    decide_url = f"/admin/booking_requests/decide/{booking.pk}/complete/"
    assert "Complete" not in text(client.get(page_url))
    refused = client.post(decide_url, {"sequence": booking.calendar_sequence})
    assert "once it has begun" in text(refused)
    with pytest.raises(desk.TransitionError, match="once it has begun"):
        desk.complete(booking, by=therapist)
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    begun(booking)
    assert "Complete" in text(client.get(page_url))


def test_completing_without_a_thank_you_asks_for_no_note(demo_site, client, therapist):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    begun(booking)
    client.force_login(therapist)
    url = f"/admin/booking_requests/decide/{booking.pk}/complete/"
    form = text(client.get(url))
    assert "note" not in form.lower()
    preview = text(client.post(url, {"sequence": booking.calendar_sequence}))
    assert "No email goes to the client." in preview


def test_completing_with_a_thank_you_sends_the_note_with_it(
    demo_site, client, therapist, smtp_server
):
    set_practice_details(send_thank_you_after_completed=True)
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    begun(booking)
    client.force_login(therapist)
    url = f"/admin/booking_requests/decide/{booking.pk}/complete/"
    assert "Personal note to the client (optional)" in text(client.get(url))
    data = {"sequence": booking.calendar_sequence, "note": "Remember to stretch."}
    assert "Remember to stretch." in text(client.post(url, data))  # in the email's preview
    assert client.post(url, {**data, "send": "1"}).status_code == 302
    run_worker()
    thanks = sent_to(smtp_server, CLIENT)[-1]
    assert "Thank you" in thanks["Subject"]
    assert "Remember to stretch." in thanks.get_body(("plain",)).get_content()
