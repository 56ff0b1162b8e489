"""The whole path, with a real SMTP server on loopback: store first, then exactly one email."""

import email
import time
from email import policy

import pytest
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from services import notifications
from services.models import BookingRequest, Notification
from tests import test_booking_helpers as helpers
from tests.test_booking_helpers import (  # noqa: F401 - fixtures
    _fresh_rate_limit,
    booking_data,
    free_port,
    run_worker,
)

smtp_server = helpers.smtp_server  # a real SMTP server on loopback (fixture)

pytestmark = pytest.mark.django_db


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def submit(client, capture, **overrides):
    with capture(execute=True):
        response = client.post("/book/", booking_data(**overrides))
    assert response.status_code == 302, response.content[:2000]
    return BookingRequest.objects.latest("pk")


def make_due():
    """Let the backoff time pass: every waiting email and deferred task is due now."""
    from django_tasks_db.models import DBTaskResult

    past = timezone.now() - timezone.timedelta(seconds=1)
    Notification.objects.filter(status=Notification.Status.PENDING).update(next_attempt_at=past)
    DBTaskResult.objects.update(run_after=past)


def test_booking_emails_the_practice_and_the_client_once_each(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    booking = submit(
        client, django_capture_on_commit_callbacks, notes="Sciatica, left leg", notes_consent="on"
    )
    assert smtp_server.messages == []  # nothing is sent inside the request
    run_worker()
    assert len(smtp_server.messages) == 2
    by_recipient = {tuple(m.rcpt_tos): parse(m) for m in smtp_server.messages}
    practice = by_recipient[("bookings@calmhands.example",)]
    body = practice.get_content()
    assert f"New booking request #{booking.pk}" in practice["Subject"]
    assert "Swedish Massage" in body
    first = timezone.localtime(booking.window_1_start)
    assert first.strftime("%-d %B %Y") in body and "10:00 to 12:00" in body
    assert f"http://testserver/admin/booking_requests/inspect/{booking.pk}/" in body
    assert "Sciatica" not in practice.as_string()  # never the health notes
    assert practice["Reply-To"] == "jane@example.com"
    ack = by_recipient[("jane@example.com",)]
    assert f"booking request #{booking.pk}" in ack["Subject"]
    assert "Sciatica" not in ack.as_string()
    assert set(booking.notifications.values_list("status", flat=True)) == {"sent"}
    # Running the worker and the sweeper again sends nothing more.
    make_due()
    run_worker()
    call_command("send_pending_notifications", verbosity=0)
    assert len(smtp_server.messages) == 2


def test_smtp_down_still_thanks_the_visitor_quickly_and_sends_later(
    client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens here: connection refused
    booking = submit(client, django_capture_on_commit_callbacks)
    # The thank-you page came without a single SMTP attempt: the visitor never waits for it.
    assert set(booking.notifications.values_list("attempts", flat=True)) == {0}
    run_worker()
    rows = list(booking.notifications.all())
    assert {row.status for row in rows} == {"pending"}
    assert all(row.attempts == 1 and row.next_attempt_at > timezone.now() for row in rows)
    assert "ConnectionRefusedError" in rows[0].last_error
    assert BookingRequest.objects.filter(pk=booking.pk).exists()
    # The server comes back; after the backoff the worker's deferred retry delivers.
    settings.EMAIL_PORT = real_port
    make_due()
    run_worker()
    assert len(smtp_server.messages) == 2
    call_command("send_pending_notifications", verbosity=0)
    run_worker()
    assert len(smtp_server.messages) == 2
    assert set(booking.notifications.values_list("status", flat=True)) == {"sent"}


def test_smtp_hanging_times_out_and_the_email_is_retried(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.mode = "hang"
    booking = submit(client, django_capture_on_commit_callbacks)
    assert set(booking.notifications.values_list("attempts", flat=True)) == {0}
    notification = booking.notifications.get(kind=Notification.Kind.BOOKING_PRACTICE)
    started = time.monotonic()
    assert notifications.deliver(notification.pk) == "pending"
    assert time.monotonic() - started < 4  # EMAIL_TIMEOUT (1 second) cut it short
    notification.refresh_from_db()
    assert "timed out" in notification.last_error.lower() or "Timeout" in notification.last_error
    smtp_server.mode = "accept"
    make_due()
    call_command("send_pending_notifications", verbosity=0)
    practice_emails = [
        m for m in smtp_server.messages if m.rcpt_tos == ["bookings@calmhands.example"]
    ]
    assert len(practice_emails) == 1


def test_smtp_4xx_then_success_delivers_exactly_one_email(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.mode = "tempfail"
    booking = submit(client, django_capture_on_commit_callbacks)
    run_worker()
    assert smtp_server.messages == []
    rows = list(booking.notifications.all())
    assert {row.status for row in rows} == {"pending"}
    assert "451" in rows[0].last_error
    smtp_server.mode = "accept"
    make_due()
    call_command("send_pending_notifications", verbosity=0)  # the sweeper sends both
    run_worker()  # the deferred task retries find them sent: nothing more goes out
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "bookings@calmhands.example",
        "jane@example.com",
    ]
    assert [row.attempts for row in booking.notifications.all()] == [2, 2]


def test_backoff_waits_longer_after_each_failure():
    assert [notifications.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notifications.backoff(30).total_seconds() == 6 * 60 * 60


def test_email_that_keeps_failing_is_marked_failed_not_lost(
    client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    smtp_server.mode = "tempfail"
    booking = submit(client, django_capture_on_commit_callbacks)
    for _ in range(3):
        make_due()
        call_command("send_pending_notifications", verbosity=0)
    assert set(booking.notifications.values_list("status", flat=True)) == {"failed"}
    assert BookingRequest.objects.filter(pk=booking.pk).exists()


def test_a_claimed_email_is_not_sent_by_a_second_sender(client, demo_site, smtp_server):
    booking = submit(client, lambda execute: __import__("contextlib").nullcontext())
    row = booking.notifications.first()
    assert notifications.claim(row.pk) is True
    assert notifications.claim(row.pk) is False
    assert notifications.deliver(row.pk) == "sending"
    assert smtp_server.messages == []


def test_visitor_input_is_plain_text_in_emails(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks, name="<b>Jane</b> & <script>x()</script>")
    run_worker()
    for envelope in smtp_server.messages:
        message = parse(envelope)
        assert message.get_content_type() == "text/plain"
        assert not any(part.get_content_type() == "text/html" for part in message.walk())
        assert "<script>" not in message["Subject"]
    ack = next(parse(m) for m in smtp_server.messages if m.rcpt_tos == ["jane@example.com"])
    assert "Dear <b>Jane</b> & <script>x()</script>," in ack.get_content()


# -- confirmation and decline ------------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("therapist", password="pw")
    user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(user)
    return client


def decide(staff_client, booking, capture, **data):
    with capture(execute=True):
        response = staff_client.post(f"/admin/booking_requests/edit/{booking.pk}/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_confirming_emails_the_client_a_calendar_file_once(
    client, staff_client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    booking = submit(client, django_capture_on_commit_callbacks)
    run_worker()
    smtp_server.messages.clear()
    form = {"status": "confirmed", "confirmed_window": "2", "appointment_start": ""}
    decide(staff_client, booking, django_capture_on_commit_callbacks, **form)
    decide(staff_client, booking, django_capture_on_commit_callbacks, **form)  # a second click
    run_worker()
    assert len(smtp_server.messages) == 1
    message = parse(smtp_server.messages[0])
    assert message["To"] == "jane@example.com" and "confirmed" in message["Subject"]
    attachment = next(part for part in message.iter_attachments())
    assert attachment.get_filename() == "appointment.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    event = calendar.walk("VEVENT")[0]
    booking.refresh_from_db()
    assert event.decoded("dtstart") == booking.window_2_start
    assert (event.decoded("dtend") - event.decoded("dtstart")).total_seconds() == (
        booking.session_minutes * 60
    )
    assert "Swedish Massage" in str(event["summary"])
    assert "14 Orchard Lane" in str(event["location"]) and "HG1 2AB" in str(event["location"])
    assert booking.status == "confirmed" and booking.status_changed_at is not None


def test_confirming_needs_a_chosen_window(
    client, staff_client, demo_site, django_capture_on_commit_callbacks
):
    booking = submit(client, django_capture_on_commit_callbacks)
    response = staff_client.post(
        f"/admin/booking_requests/edit/{booking.pk}/",
        {"status": "confirmed", "confirmed_window": "3"},  # no third choice was given
    )
    assert response.status_code == 200
    assert "Choose which of the client" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "new"
    assert not booking.notifications.filter(kind="booking_confirmed").exists()


def test_declining_sends_one_polite_note(
    client, staff_client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    booking = submit(client, django_capture_on_commit_callbacks)
    run_worker()
    smtp_server.messages.clear()
    for _ in range(2):
        decide(staff_client, booking, django_capture_on_commit_callbacks, status="declined")
    decide(staff_client, booking, django_capture_on_commit_callbacks, status="new")
    decide(staff_client, booking, django_capture_on_commit_callbacks, status="declined")
    run_worker()
    assert len(smtp_server.messages) == 1
    message = parse(smtp_server.messages[0])
    assert "we cannot offer any of the times you chose" in message.get_content()
