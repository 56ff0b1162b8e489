"""The booking desk: each decision changes the request once, records who and when, and
queues the client's email, checked here as a real SMTP server on loopback receives it."""

import datetime
import re

import pytest
from django.utils import timezone

from bookings import desk
from bookings.models import BookingEvent, BookingRequest, Notification

from .desk_support import (
    CLIENT,
    HEALTH_NOTE,
    at,
    calendar_of,
    link_in,
    sent_to,
    text_of,
    weekday_booking,
)
from .factories import make_staff_user, set_practice_details
from .mail import run_worker
from .open_days import next_weekday
from .page_reading import hrefs

pytestmark = pytest.mark.django_db


@pytest.fixture
def therapist(demo_site):
    return make_staff_user("robin")


@pytest.fixture
def booking(demo_site):
    return weekday_booking()


def client_emails(smtp_server):
    return sent_to(smtp_server, CLIENT)


def assert_no_health_notes(smtp_server):
    for envelope in smtp_server.messages:
        assert HEALTH_NOTE not in envelope.content.decode(errors="replace")


# -- the changes themselves ---------------------------------------------------------------


def test_confirming_sends_a_calendar_request_with_the_note_and_records_who(
    booking, therapist, smtp_server
):
    desk.confirm(booking, booking.window_2_start, by=therapist, note="Parking is at the back.")
    run_worker()
    [message] = client_emails(smtp_server)
    body = text_of(message)
    assert "confirmed" in message["Subject"]
    assert "Parking is at the back." in body
    start = timezone.localtime(booking.window_2_start)
    assert f"{start:%A} {start.day} {start:%B %Y} at 14:00 (until 15:00)" in body
    assert "/book/appointment/" in link_in(body)
    method, event, part = calendar_of(message)
    assert method == "REQUEST" and part.get_param("method") == "REQUEST"
    assert event.decoded("dtstart") == booking.window_2_start
    assert int(event["sequence"]) == 1
    booking.refresh_from_db()
    assert str(event["uid"]) == booking.calendar_uid  # stored: never remade from the id
    assert_no_health_notes(smtp_server)

    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.confirmed_window == 2
    assert booking.calendar_sequence == 1 and booking.status_changed_at is not None
    [event_row] = booking.events.all()
    assert (event_row.action, event_row.actor, event_row.note) == (
        "confirmed",
        therapist,
        "Parking is at the back.",
    )
    assert event_row.appointment_start == booking.window_2_start


def test_moving_sends_an_update_of_the_same_event_with_a_higher_sequence(
    booking, therapist, smtp_server
):
    desk.confirm(booking, booking.window_1_start, by=therapist)
    run_worker()
    moved_to = booking.window_2_start + datetime.timedelta(minutes=30)
    desk.confirm(booking, moved_to, by=therapist, note="Half an hour later, as you asked.")
    run_worker()
    first, update = client_emails(smtp_server)
    assert "new time" in update["Subject"]
    assert "Half an hour later" in text_of(update)
    _, before, _ = calendar_of(first)
    method, after, _ = calendar_of(update)
    assert method == "REQUEST"
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("dtstart") == moved_to
    # The new link is for the new version; the first email's link is another.
    assert link_in(text_of(first)) != link_in(text_of(update))
    assert [e.action for e in booking.events.all()] == ["confirmed", "moved"]
    booking.refresh_from_db()
    assert booking.chosen_window()[0] == moved_to and booking.confirmed_window == 2


def test_cancelling_sends_a_calendar_cancellation_of_the_same_event(
    booking, therapist, smtp_server
):
    desk.confirm(booking, booking.window_1_start, by=therapist)
    desk.cancel(booking, by=therapist, note="I am unwell, sorry.")
    run_worker()
    confirmation, cancellation = client_emails(smtp_server)
    assert "cancelled" in cancellation["Subject"]
    body = text_of(cancellation)
    assert "we have had to cancel" in body and "I am unwell, sorry." in body
    method, event, part = calendar_of(cancellation)
    assert method == "CANCEL" and part.get_param("method") == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(calendar_of(confirmation)[1]["uid"])
    assert int(event["sequence"]) == 2
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert_no_health_notes(smtp_server)


def test_declining_sends_the_personal_note_without_a_calendar_file(booking, therapist, smtp_server):
    desk.decline(booking, by=therapist, note="I am away that week.")
    run_worker()
    [message] = client_emails(smtp_server)
    body = text_of(message)
    assert "we cannot offer any of the times you chose" in body
    assert "I am away that week." in body
    assert list(message.iter_attachments()) == []
    assert booking.events.get().action == "declined"


def test_completing_sends_a_thank_you_with_the_review_link_only_when_set(
    demo_site, therapist, smtp_server
):
    quiet = weekday_booking()
    thanked = weekday_booking(email="sam@example.com")
    # Two times, never one time twice: the second holds its second choice.
    for booking, start in ((quiet, quiet.window_1_start), (thanked, thanked.window_2_start)):
        desk.confirm(booking, start, by=therapist)
        # The appointment has taken place.
        BookingRequest.objects.filter(pk=booking.pk).update(
            appointment_start=timezone.now() - datetime.timedelta(hours=2)
        )
    desk.complete(quiet, by=therapist)
    set_practice_details(
        send_thank_you_after_completed=True, review_link="https://reviews.example/calm-hands"
    )
    desk.complete(thanked, by=therapist, note="Remember to stretch.")
    run_worker()
    assert [m["Subject"] for m in client_emails(smtp_server)] == [
        f"Your appointment is confirmed (#{quiet.pk})"
    ]
    [thanks] = [m for m in sent_to(smtp_server, "sam@example.com") if "Thank" in m["Subject"]]
    body = text_of(thanks)
    assert "https://reviews.example/calm-hands" in body and "Remember to stretch." in body
    for booking in (quiet, thanked):
        booking.refresh_from_db()
        assert booking.status == "completed"
        assert booking.events.last().action == "completed"
    assert_no_health_notes(smtp_server)


@pytest.mark.parametrize(
    ("status", "change"),
    [
        ("new", lambda b, u: desk.cancel(b, by=u)),
        ("new", lambda b, u: desk.complete(b, by=u)),
        ("confirmed", lambda b, u: desk.decline(b, by=u)),
        ("declined", lambda b, u: desk.confirm(b, b.window_1_start, by=u)),
        ("cancelled", lambda b, u: desk.cancel(b, by=u)),
        ("new", lambda b, u: desk.confirm(b, timezone.now() - datetime.timedelta(hours=1), by=u)),
    ],
)
def test_a_change_not_allowed_stores_and_sends_nothing(
    booking, therapist, smtp_server, status, change
):
    BookingRequest.objects.filter(pk=booking.pk).update(status=status)
    booking.refresh_from_db()
    with pytest.raises(desk.TransitionError):
        change(booking, therapist)
    booking.refresh_from_db()
    assert booking.status == status and booking.calendar_sequence == 0
    assert not booking.events.exists() and not booking.notifications.exists()


def test_a_confirmed_appointment_cannot_be_completed_before_it_begins(booking, therapist):
    desk.confirm(booking, booking.window_1_start, by=therapist)
    with pytest.raises(desk.TransitionError, match="once it has begun"):
        desk.complete(booking, by=therapist)


def test_a_decision_on_a_request_changed_meanwhile_is_refused(booking, therapist, smtp_server):
    seen = booking.calendar_sequence
    desk.confirm(booking, booking.window_1_start, by=therapist, expected_sequence=seen)
    with pytest.raises(desk.TransitionError, match="changed while you were looking"):
        desk.confirm(booking, booking.window_2_start, by=therapist, expected_sequence=seen)
    run_worker()
    assert len(client_emails(smtp_server)) == 1
    assert booking.events.count() == 1


# -- the request's page and the decisions in the admin -----------------------------------------


def decide(client, booking, action, **data):
    return client.post(f"/admin/booking_requests/decide/{booking.pk}/{action}/", data)


def test_the_request_page_reads_like_a_message(staff_client, demo_site):
    booking = weekday_booking(phone="+44 7700 900123", session_price=None)
    html = staff_client.get(f"/admin/booking_requests/inspect/{booking.pk}/").content.decode()
    assert "mailto:jane@example.com" in hrefs(html)
    assert "tel:+447700900123" in hrefs(html)
    first = timezone.localtime(booking.window_1_start)
    assert f"{first:%A} {first.day} {first:%B}" in html and "10:00–12:00" in html
    assert "14:00–17:00" in html
    assert HEALTH_NOTE in html  # practice staff read the notes here
    main = html[html.index("<main") : html.index("</main>")]
    visible = re.sub(
        r"<[^>]+>", " ", re.sub(r"<(script|svg|template)\b.*?</\1>", "", main, flags=re.S)
    )
    assert "None" not in visible
    for label in ("Confirm", "Decline"):
        assert f">{label}</a>" in html
    assert ">Complete</a>" not in html  # not for a new request


def test_confirming_in_the_admin_shows_the_email_first_then_sends_it(
    staff_client, booking, smtp_server
):
    form = staff_client.get(f"/admin/booking_requests/decide/{booking.pk}/confirm/")
    assert form.status_code == 200 and "Personal note to the client" in form.content.decode()
    data = {"choice": "2", "note": "Bring loose clothing.", "sequence": "0"}
    preview = decide(staff_client, booking, "confirm", preview="1", **data)
    html = preview.content.decode()
    assert "Your appointment is confirmed" in html and "Bring loose clothing." in html
    assert "appointment.ics" in html and HEALTH_NOTE not in html
    assert not booking.notifications.exists()  # nothing is sent by the preview

    response = decide(staff_client, booking, "confirm", send="1", **data)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/booking_requests/inspect/{booking.pk}/"
    run_worker()
    [message] = client_emails(smtp_server)
    assert "Bring loose clothing." in text_of(message)
    page = staff_client.get(response["Location"]).content.decode()
    assert "Confirmed" in page and "by robin" in page and "Bring loose clothing." in page
    # A second click on the same "send" finds the request changed: nothing more goes.
    again = decide(staff_client, booking, "confirm", send="1", **data)
    assert "changed while you were looking" in again.content.decode()
    run_worker()
    assert len(client_emails(smtp_server)) == 1


def test_another_time_outside_opening_hours_is_warned_of_but_allowed(
    staff_client, booking, smtp_server
):
    day = next_weekday(10)
    data = {
        "choice": "other",
        "other_date": day.isoformat(),
        "other_time": "21:00",
        "note": "",
        "sequence": "0",
    }
    preview = decide(staff_client, booking, "confirm", preview="1", **data).content.decode()
    assert "outside your opening hours" in preview
    assert "not one of the times the client chose" in preview
    assert decide(staff_client, booking, "confirm", send="1", **data).status_code == 302
    booking.refresh_from_db()
    assert booking.chosen_window()[0] == at(day, 21) and booking.confirmed_window is None


def test_declining_in_the_admin_takes_a_note_and_records_it(staff_client, booking, smtp_server):
    data = {"note": "Fully booked, sorry.", "sequence": "0"}
    preview = decide(staff_client, booking, "decline", preview="1", **data).content.decode()
    assert "we cannot offer any of the times you chose" in preview
    assert decide(staff_client, booking, "decline", send="1", **data).status_code == 302
    run_worker()
    [message] = client_emails(smtp_server)
    assert "Fully booked, sorry." in text_of(message)
    assert BookingEvent.objects.get(booking=booking).action == "declined"


def test_the_old_edit_form_no_longer_changes_the_status(staff_client, booking):
    response = staff_client.post(
        f"/admin/booking_requests/edit/{booking.pk}/",
        {"status": "confirmed", "confirmed_window": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/booking_requests/inspect/{booking.pk}/"
    booking.refresh_from_db()
    assert booking.status == "new" and not booking.notifications.exists()


def test_an_editor_without_the_practice_staff_group_cannot_decide(client, booking):
    client.force_login(make_staff_user("ed", "Editors"))
    for action in ("confirm", "decline"):
        assert client.get(f"/admin/booking_requests/decide/{booking.pk}/{action}/").status_code in (
            302,
            403,
        )
        response = decide(client, booking, action, choice="1", sequence="0", send="1")
        assert response.status_code in (302, 403)
    booking.refresh_from_db()
    assert booking.status == "new" and not booking.notifications.exists()


def test_a_superuser_can_decide(client, admin_user, booking, smtp_server):
    client.force_login(admin_user)
    response = decide(client, booking, "confirm", choice="1", sequence="0", send="1")
    assert response.status_code == 302
    assert booking.events.get().actor == admin_user


def test_no_client_email_ever_holds_the_health_notes(booking, therapist, smtp_server):
    desk.confirm(booking, booking.window_1_start, by=therapist)
    desk.confirm(booking, booking.window_2_start, by=therapist)
    Notification.objects.filter(kind="booking_reminder", status="pending").update(
        next_attempt_at=timezone.now()
    )
    desk.cancel(booking, by=therapist)
    run_worker()
    assert {m["Subject"].split(" (")[0] for m in client_emails(smtp_server)} >= {
        "Your appointment is confirmed",
        "Your appointment has a new time",
        "Your appointment is cancelled",
    }
    assert_no_health_notes(smtp_server)
