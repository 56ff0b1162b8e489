"""A client's ask for another time, through their own link, "needs you" everywhere the
therapist looks (dashboard, list and its filter, the request's page, the week) until she
answers it; the client hears that it arrived."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from bookings import desk

from .desk_support import CLIENT, link_in, sent_to, text_of, weekday_booking
from .factories import make_staff_user
from .mail import run_worker

pytestmark = pytest.mark.django_db

WISH = "Any weekday after 4pm, please."


@pytest.fixture
def therapist(demo_site):
    return make_staff_user("robin")


@pytest.fixture
def asked(demo_site, smtp_server, therapist):
    """A confirmed appointment whose client has asked for another time with their link."""
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    run_worker()
    path = urlsplit(link_in(text_of(sent_to(smtp_server, CLIENT)[-1]))).path
    visitor = Client()
    done = visitor.post(path, {"action": "move", "message": WISH, "confirmed": "yes"})
    assert "We have your request" in done.content.decode()
    run_worker()
    booking.refresh_from_db()
    return booking


def text(response) -> str:
    assert response.status_code == 200
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def listing(client, **query) -> str:
    return text(client.get("/admin/booking_requests/", query))


def week_of(client, booking) -> str:
    day = booking.chosen_window()[0].date().isoformat()
    return text(client.get("/admin/booking_requests/week/", {"week": day}))


def test_the_client_hears_that_their_ask_arrived(asked, smtp_server):
    acknowledgement = sent_to(smtp_server, CLIENT)[-1]
    assert acknowledgement["Subject"] == f"We have your request for another time ({asked.number})"
    body = text_of(acknowledgement)
    assert "Dear Jane Doe" in body and "stays as it is" in body
    assert WISH not in body  # what they wrote is not sent back through email


def test_an_ask_for_another_time_needs_her_everywhere_she_looks(asked, client, therapist):
    client.force_login(therapist)
    dashboard = text(client.get("/admin/"))
    assert "Needs you (1)" in dashboard and f"{asked.number} Jane Doe asks for another time" in (
        dashboard
    )
    assert "Well done" not in dashboard

    assert "Confirmed, needs you" in listing(client)
    filtered = listing(client, needs_you="yes")
    assert "Jane Doe" in filtered and "Confirmed, needs you" in filtered

    page = text(client.get(f"/admin/booking_requests/inspect/{asked.pk}/"))
    assert "Needs you: the client asks for another time" in page and WISH in page
    assert "Keep the time" in page and "Move" in page

    assert "Needs you: the client asks for another time" in week_of(client, asked)


def test_moving_the_appointment_answers_the_ask(asked, client, therapist):
    desk.confirm(asked, asked.window_2_start, by=therapist)
    client.force_login(therapist)
    assert "Jane Doe" not in listing(client, needs_you="yes")
    assert "needs you" not in listing(client)
    assert "Needs you" not in text(client.get("/admin/"))
    assert "Needs you" not in week_of(client, asked)


def test_keeping_the_time_answers_the_ask_sends_nothing_and_keeps_the_link(
    asked, client, therapist, smtp_server
):
    client.force_login(therapist)
    url = f"/admin/booking_requests/decide/{asked.pk}/answer/"
    form = text(client.get(url))
    assert "Nothing is sent to the client" in form
    sequence = asked.calendar_sequence
    preview = client.post(url, {"sequence": sequence, "note": "Phoned her: Tuesday is fine."})
    assert "No email goes to the client." in text(preview)
    sent_before = len(smtp_server.messages)
    done = client.post(
        url, {"sequence": sequence, "note": "Phoned her: Tuesday is fine.", "send": "1"}
    )
    assert done.status_code == 302
    shown = text(client.get(done["Location"]))
    assert "Answered, the time kept" in shown and "email is on its way" not in shown
    run_worker()
    assert len(smtp_server.messages) == sent_before
    asked.refresh_from_db()
    assert not asked.needs_you and asked.calendar_sequence == sequence
    page = text(client.get(f"/admin/booking_requests/inspect/{asked.pk}/"))
    assert "The client's ask answered, the time kept" in page and "Tuesday is fine" in page
    assert "Needs you" not in page and "Keep the time" not in page
    assert "Jane Doe" not in listing(client, needs_you="yes")
    with pytest.raises(desk.TransitionError):
        desk.answer(asked, by=therapist)


def test_keep_the_time_is_not_offered_without_an_ask(demo_site, client, therapist):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    client.force_login(therapist)
    page = text(client.get(f"/admin/booking_requests/inspect/{booking.pk}/"))
    assert "Keep the time" not in page and "Needs you" not in page
    with pytest.raises(desk.TransitionError):
        desk.answer(booking, by=therapist)
