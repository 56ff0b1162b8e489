"""The whole path, with a real SMTP server on loopback: store first, then exactly one email.

The worker (`manage.py send_pending_notifications`) runs for real: in this process for one
round, and as separate processes under production settings, killed or stopped mid-send.
"""

import email
import re
import signal
import subprocess
import sys
import time
from email import policy

import pytest
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from bookings import notifications
from bookings.models import BookingRequest, Notification

from .factories import set_practice_details
from .load import Database
from .mail import run_worker
from .posts import booking_data
from .servers import REPO_ROOT, database_url_for_other_processes, free_port, production_env

pytestmark = pytest.mark.django_db

PRACTICE_INBOX = "inbox@practice.example"


@pytest.fixture(autouse=True)
def practice_inbox(demo_site):
    """Where the practice's settings send new requests."""
    set_practice_details(booking_notification_email=PRACTICE_INBOX)


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def submit(client, capture, **overrides):
    with capture(execute=True):
        response = client.post("/book/", booking_data(**overrides))
    assert response.status_code == 302, response.content[:2000]
    return BookingRequest.objects.latest("pk")


def make_due():
    """Let the backoff time pass: every waiting email is due now."""
    past = timezone.now() - timezone.timedelta(seconds=1)
    Notification.objects.filter(status=Notification.Status.PENDING).update(next_attempt_at=past)


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
    practice = by_recipient[(PRACTICE_INBOX,)]
    body = practice.get_content()
    assert f"New booking request #{booking.pk}" in practice["Subject"]
    assert booking.service_title in body
    first = timezone.localtime(booking.window_1_start)
    until = timezone.localtime(booking.window_1_end)
    assert first.strftime("%-d %B %Y") in body and f"{first:%H:%M} to {until:%H:%M}" in body
    assert f"http://testserver/admin/booking_requests/inspect/{booking.pk}/" in body
    assert "Sciatica" not in practice.as_string()  # never the health notes
    assert practice["Reply-To"] == "jane@example.com"
    ack = by_recipient[("jane@example.com",)]
    assert f"booking request #{booking.pk}" in ack["Subject"]
    assert "Sciatica" not in ack.as_string()
    assert set(booking.notifications.values_list("status", flat=True)) == {"sent"}
    # Running the worker again, even with every waiting time passed, sends nothing more.
    make_due()
    run_worker()
    run_worker()
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
    # The server comes back; the worker's next round before the wait is over sends nothing.
    settings.EMAIL_PORT = real_port
    run_worker()
    assert smtp_server.messages == []
    make_due()
    run_worker()
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
    # EMAIL_TIMEOUT cuts the hung conversation short: the delivery is left pending with why.
    assert notifications.deliver(notification.pk) == "pending"
    notification.refresh_from_db()
    assert "timed out" in notification.last_error.lower() or "Timeout" in notification.last_error
    smtp_server.mode = "accept"
    make_due()
    run_worker()
    practice_emails = [m for m in smtp_server.messages if m.rcpt_tos == [PRACTICE_INBOX]]
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
    run_worker()
    run_worker()  # both are sent: a second round finds nothing due
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        PRACTICE_INBOX,
        "jane@example.com",
    ]
    assert [row.attempts for row in booking.notifications.all()] == [2, 2]


def test_backoff_waits_longer_after_each_failure():
    assert [notifications.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notifications.backoff(30).total_seconds() == 6 * 60 * 60


def test_each_failed_try_waits_twice_as_long_before_the_next(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.mode = "tempfail"
    booking = submit(client, django_capture_on_commit_callbacks)
    waits = []
    for _ in range(4):
        make_due()
        tried_at = timezone.now()
        run_worker()
        row = booking.notifications.get(kind=Notification.Kind.BOOKING_PRACTICE)
        waits.append(round((row.next_attempt_at - tried_at).total_seconds() / 60))
    assert waits == [1, 2, 4, 8]
    assert row.attempts == 4 and row.status == "pending"


def test_email_that_keeps_failing_is_marked_failed_not_lost(
    client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    smtp_server.mode = "tempfail"
    booking = submit(client, django_capture_on_commit_callbacks)
    for _ in range(3):
        make_due()
        run_worker()
    assert set(booking.notifications.values_list("status", flat=True)) == {"failed"}
    assert BookingRequest.objects.filter(pk=booking.pk).exists()


def test_a_claimed_email_is_not_sent_by_a_second_sender(client, demo_site, smtp_server):
    booking = submit(client, lambda execute: __import__("contextlib").nullcontext())
    row = booking.notifications.first()
    assert notifications.claim(row.pk) is True
    assert notifications.claim(row.pk) is False
    assert notifications.deliver(row.pk) is None
    assert smtp_server.messages == []


def test_development_sends_a_requests_emails_right_after_its_commit(
    client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SEND_AFTER_COMMIT = True  # as practice/settings/dev.py
    booking = submit(client, django_capture_on_commit_callbacks)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        PRACTICE_INBOX,
        "jane@example.com",
    ]
    assert list(booking.notifications.values_list("status", "attempts")) == [("sent", 1)] * 2
    run_worker()  # a worker started later finds nothing left to send
    assert len(smtp_server.messages) == 2


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


def decide(staff_client, booking, capture, action, status=302, **data):
    """A decision on the request's page (bookings/desk_admin.py), past its email preview."""
    url = f"/admin/booking_requests/decide/{booking.pk}/{action}/"
    with capture(execute=True):
        response = staff_client.post(url, {"sequence": "0", "send": "1", **data})
    assert response.status_code == status, response.content.decode()[-3000:]
    return response


def test_confirming_emails_the_client_a_calendar_file_once(
    client, staff_client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    set_practice_details(
        street_address="3 Mill Yard", locality="Ripon", region="", postcode="HG4 1AA"
    )
    booking = submit(client, django_capture_on_commit_callbacks)
    run_worker()
    smtp_server.messages.clear()
    decide(staff_client, booking, django_capture_on_commit_callbacks, "confirm", choice="2")
    decide(  # a second click changes nothing
        staff_client, booking, django_capture_on_commit_callbacks, "confirm", 200, choice="2"
    )
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
    assert booking.service_title in str(event["summary"])
    assert str(event["location"]) == "3 Mill Yard, Ripon, HG4 1AA"
    assert booking.status == "confirmed" and booking.status_changed_at is not None


def test_confirming_needs_a_chosen_window(
    client, staff_client, demo_site, django_capture_on_commit_callbacks
):
    booking = submit(client, django_capture_on_commit_callbacks)
    response = decide(  # no third choice was given
        staff_client, booking, django_capture_on_commit_callbacks, "confirm", 200, choice="3"
    )
    assert "Select a valid choice" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "new"
    assert not booking.notifications.filter(kind="booking_confirmed").exists()


def test_declining_sends_one_polite_note(
    client, staff_client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    booking = submit(client, django_capture_on_commit_callbacks)
    run_worker()
    smtp_server.messages.clear()
    decide(staff_client, booking, django_capture_on_commit_callbacks, "decline")
    decide(staff_client, booking, django_capture_on_commit_callbacks, "decline", 200)
    run_worker()
    assert len(smtp_server.messages) == 1
    message = parse(smtp_server.messages[0])
    assert "we cannot offer any of the times you chose" in message.get_content()


def test_admin_shows_unsent_emails_on_each_request_and_on_the_dashboard(
    client, staff_client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # SMTP is down
    submit(client, django_capture_on_commit_callbacks)
    run_worker()
    # Still waiting long after the first try: the worker is not running or SMTP is down.
    overdue = timezone.now() - notifications.STALE_CLAIM - timezone.timedelta(minutes=1)
    Notification.objects.update(next_attempt_at=overdue)
    listing = staff_client.get("/admin/booking_requests/").content.decode()
    assert listing.count("Not sent yet") == 1
    assert "2 emails could not be sent yet" in staff_client.get("/admin/").content.decode()

    settings.EMAIL_PORT = real_port
    run_worker()
    listing = staff_client.get("/admin/booking_requests/").content.decode()
    assert "Not sent yet" not in listing and re.search(r">\s*Sent\s*<", listing)
    assert "could not be sent" not in staff_client.get("/admin/").content.decode()

    Notification.objects.update(status=Notification.Status.FAILED)
    dashboard = staff_client.get("/admin/").content.decode()
    assert "2 emails could not be sent yet" in dashboard  # each failed email counted once
    assert (
        "Failed: needs attention" in staff_client.get("/admin/booking_requests/").content.decode()
    )


# -- the worker as its own process, as production runs it --------------------------------


def worker_env(tmp_path, smtp_server) -> dict[str, str]:
    """Production settings on this test's database (a copy on SQLite), sending to the
    test's server."""
    env = production_env(tmp_path, free_port())
    env.update(
        DATABASE_URL=database_url_for_other_processes(tmp_path),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(smtp_server.port),
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_EMAIL_TIMEOUT="10",
    )
    return env


def start_worker(env, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_pending_notifications", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # the log: a warning for each email not sent
        text=True,
    )


def finish(worker: subprocess.Popen) -> str:
    """What the worker printed, once it has ended well."""
    output, log = worker.communicate(timeout=60)
    assert worker.returncode == 0, output + log
    return output


def sql(env, statement: str, *params) -> list[tuple]:
    """Read or change the worker's database from outside, as another process."""
    return Database(env["DATABASE_URL"]).query(statement, *params)


def states(env) -> list[tuple[str, int]]:
    table = Notification._meta.db_table
    return sql(env, f"SELECT status, attempts FROM {table} ORDER BY created_at, id")


def stored_time(moment) -> str:
    return connection.ops.adapt_datetimefield_value(moment)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(client, demo_site, smtp_server, tmp_path):
    for n in range(6):
        post = booking_data(email=f"client{n}@example.com")
        assert client.post("/book/", post, REMOTE_ADDR=f"198.51.100.{n + 1}").status_code == 302
    table = Notification._meta.db_table
    env = worker_env(tmp_path, smtp_server)
    later = stored_time(timezone.now() + timezone.timedelta(hours=1))
    sql(env, f"UPDATE {table} SET next_attempt_at = %s", later)
    smtp_server.mode, smtp_server.slow_seconds = "slow", 0.3
    workers = [start_worker(env, "--loop", "--interval", "0.2") for _ in range(2)]
    try:
        for worker in workers:  # both are up and looking before any email is due
            assert worker.stdout.readline().startswith("Sending emails: checking every")
        sql(env, f"UPDATE {table} SET next_attempt_at = %s", stored_time(timezone.now()))
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < 12 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # time enough for any second copy to arrive
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
    outputs = [finish(worker) for worker in workers]
    sent_by = [sum(map(int, re.findall(r"(\d+) sent", output))) for output in outputs]
    assert sum(sent_by) == 12 and all(sent_by), outputs  # both worked, no email twice
    envelopes = [(m.rcpt_tos[0], parse(m)["Subject"]) for m in smtp_server.messages]
    assert len(envelopes) == len(set(envelopes)) == 12
    assert states(env) == [("sent", 1)] * 12


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_email_to_be_sent_once_after_the_stale_claim(
    client, demo_site, smtp_server, tmp_path
):
    submit(client, lambda execute: __import__("contextlib").nullcontext())
    env = worker_env(tmp_path, smtp_server)
    smtp_server.mode = "hang"
    worker = start_worker(env)
    assert smtp_server.receiving.wait(60)
    worker.kill()  # the machine lost power in the middle of the first email
    worker.wait(10)
    assert states(env) == [("sending", 1), ("pending", 0)]

    smtp_server.mode = "accept"
    finish(start_worker(env))  # the claim is fresh: the dead worker might still be sending
    assert [m.rcpt_tos for m in smtp_server.messages] == [["jane@example.com"]]
    assert states(env) == [("sending", 1), ("sent", 1)]

    table = Notification._meta.db_table
    stale = stored_time(timezone.now() - notifications.STALE_CLAIM - timezone.timedelta(minutes=1))
    sql(env, f"UPDATE {table} SET claimed_at = %s WHERE status = 'sending'", stale)
    assert finish(start_worker(env)).strip() == "1 sent"
    assert finish(start_worker(env)).strip() == "Nothing to send."
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        PRACTICE_INBOX,
        "jane@example.com",
    ]
    assert states(env) == [("sent", 2), ("sent", 1)]


@pytest.mark.django_db(transaction=True)
def test_worker_stops_on_sigterm_after_finishing_the_email_it_is_sending(
    client, demo_site, smtp_server, tmp_path
):
    submit(client, lambda execute: __import__("contextlib").nullcontext())
    env = worker_env(tmp_path, smtp_server)
    smtp_server.mode = "slow"
    worker = start_worker(env, "--loop", "--interval", "0.2")
    assert smtp_server.receiving.wait(60)
    worker.send_signal(signal.SIGTERM)  # while the server has not yet answered
    output = finish(worker)
    assert output.rstrip().endswith("1 sent.\nEmail worker stopped."), output
    assert [m.rcpt_tos for m in smtp_server.messages] == [[PRACTICE_INBOX]]
    assert states(env) == [("sent", 1), ("pending", 0)]


@pytest.mark.django_db(transaction=True)
def test_worker_loop_waits_out_the_backoff_and_stops_after_its_rounds(
    client, demo_site, smtp_server, tmp_path
):
    submit(client, lambda execute: __import__("contextlib").nullcontext())
    smtp_server.mode = "tempfail"
    env = worker_env(tmp_path, smtp_server)
    output = finish(start_worker(env, "--loop", "--runs", "3", "--interval", "0.1"))
    lines = output.splitlines()
    assert lines[0] == "Sending emails: checking every 0.1 s."
    assert re.fullmatch(r"\d\d:\d\d:\d\d 2 pending\.", lines[1])  # tried once, not 3 times
    assert lines[2:] == ["Email worker stopped."]
