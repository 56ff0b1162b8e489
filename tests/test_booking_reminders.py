"""The reminder the day before a confirmed appointment: queued with the confirmation, sent
once by the email worker (in this process and as its own process, killed and restarted),
re-timed by a move, dropped by a cancel, and checked again when it is sent."""

import datetime
import signal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from bookings import desk, notifications
from bookings.models import BookingRequest, Notification

from .desk_support import CLIENT, HEALTH_NOTE, at, link_in, sent_to, text_of, weekday_booking
from .factories import make_staff_user
from .mail import run_worker
from .test_booking_notifications import finish, sql, start_worker, states, stored_time, worker_env

pytestmark = pytest.mark.django_db

REMINDER = Notification.Kind.BOOKING_REMINDER


@pytest.fixture
def therapist(demo_site):
    return make_staff_user("robin")


def reminders(booking):
    return list(
        booking.notifications.filter(kind=REMINDER)
        .order_by("pk")
        .values_list("status", "sequence", "next_attempt_at")
    )


def make_reminders_due():
    Notification.objects.filter(kind=REMINDER, status="pending").update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def reminder_emails(smtp_server):
    return [m for m in sent_to(smtp_server, CLIENT) if "reminder" in m["Subject"]]


def day_before_at_ten(moment) -> datetime.datetime:
    return at(timezone.localtime(moment).date() - datetime.timedelta(days=1), desk.REMINDER_HOUR)


def test_confirming_queues_one_reminder_at_ten_the_day_before_sent_once(
    demo_site, therapist, smtp_server
):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    assert reminders(booking) == [("pending", 1, day_before_at_ten(booking.window_1_start))]
    run_worker()  # only the confirmation is due yet
    assert reminder_emails(smtp_server) == []

    make_reminders_due()  # the day before, at ten
    run_worker()
    run_worker()
    [reminder] = reminder_emails(smtp_server)
    body = text_of(reminder)
    assert "tomorrow" in reminder["Subject"] and "10:00" in body
    assert HEALTH_NOTE not in reminder.as_string()
    assert reminders(booking)[0][0] == "sent"
    make_reminders_due()
    run_worker()
    assert len(reminder_emails(smtp_server)) == 1


def test_moving_the_appointment_re_times_its_reminder(demo_site, therapist, smtp_server):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    desk.confirm(booking, booking.window_2_start, by=therapist)
    assert reminders(booking) == [
        ("skipped", 1, day_before_at_ten(booking.window_1_start)),
        ("pending", 2, day_before_at_ten(booking.window_2_start)),
    ]
    make_reminders_due()
    run_worker()
    [reminder] = reminder_emails(smtp_server)
    assert "14:00" in text_of(reminder)  # the new time, once


def test_cancelling_drops_the_reminder(demo_site, therapist, smtp_server):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    desk.cancel(booking, by=therapist)
    assert [state for state, *_ in reminders(booking)] == ["skipped"]
    Notification.objects.filter(kind=REMINDER).update(
        status="pending", next_attempt_at=timezone.now()
    )  # even if it were somehow due again...
    run_worker()
    assert reminder_emails(smtp_server) == []  # ...it is checked when sent


def test_a_reminder_due_for_a_cancelled_appointment_is_never_sent(
    demo_site, therapist, smtp_server
):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    # Cancelled some other way than the desk (a script, the database): still no reminder.
    BookingRequest.objects.filter(pk=booking.pk).update(status="cancelled")
    make_reminders_due()
    assert notifications.send_pending().get("skipped") == 1
    assert reminder_emails(smtp_server) == []
    assert reminders(booking)[0][0] == "skipped"


def test_no_reminder_when_the_day_before_has_already_passed(demo_site, therapist):
    booking = weekday_booking()
    soon = timezone.now() + datetime.timedelta(hours=2)
    desk.confirm(booking, soon, by=therapist)
    assert reminders(booking) == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_sends_the_reminder_once_though_killed_and_restarted(
    demo_site, smtp_server, tmp_path
):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=make_staff_user("robin"))
    Notification.objects.exclude(kind=REMINDER).update(status="sent")
    make_reminders_due()
    env = worker_env(tmp_path, smtp_server)

    smtp_server.mode = "hang"
    worker = start_worker(env, "--loop", "--interval", "0.2")
    assert smtp_server.receiving.wait(60)
    worker.kill()  # the machine lost power while the reminder was being sent
    worker.wait(10)
    assert ("sending", 1) in states(env)

    smtp_server.mode = "accept"
    # Restarted at once: the claim is fresh (the dead worker might still be sending).
    assert finish(start_worker(env)).strip() == "Nothing to send."
    table = Notification._meta.db_table
    stale = stored_time(timezone.now() - notifications.STALE_CLAIM - datetime.timedelta(minutes=1))
    sql(env, f"UPDATE {table} SET claimed_at = %s WHERE status = 'sending'", stale)
    worker = start_worker(env, "--loop", "--interval", "0.2")
    assert worker.stdout.readline().startswith("Sending emails")
    deadline = timezone.now() + datetime.timedelta(seconds=30)
    while not reminder_emails(smtp_server) and timezone.now() < deadline:
        smtp_server.receiving.wait(0.2)
    worker.send_signal(signal.SIGTERM)
    finish(worker)
    assert finish(start_worker(env)).strip() == "Nothing to send."
    assert len(reminder_emails(smtp_server)) == 1
    assert sql(env, f"SELECT status FROM {table} WHERE kind = %s", REMINDER) == [("sent",)]


def test_the_reminder_carries_the_clients_link_to_cancel_or_ask_for_another_time(
    demo_site, therapist, smtp_server, client
):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=therapist)
    make_reminders_due()
    run_worker()
    [reminder] = reminder_emails(smtp_server)
    body = text_of(reminder)
    assert "If you need to cancel, or would like another time" in body
    link = link_in(body)
    assert link.startswith("http://testserver/book/appointment/")
    page = client.get(urlsplit(link).path).content.decode()
    assert "Cancel my appointment" in page and "Ask for another time" in page
