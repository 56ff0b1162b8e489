"""Emails about requests and messages: one row per email is the queue. Sent once, retried.

Each email is a ``Notification`` row, written in the same transaction as the request it is
about: no request without its emails, no email about a request that was not stored. The
worker, ``manage.py send_pending_notifications --loop``, sends every row that is due. It
claims a row with one conditional UPDATE, so two workers never send the same email; a failure
puts the row back with a later ``next_attempt_at`` (1, 2, 4 ... minutes, at most six hours);
a row whose worker died while sending is due again after ``STALE_CLAIM``.

In development (``NOTIFICATIONS_SEND_AFTER_COMMIT``, with console email and no worker) a
request's own emails are sent through the same ``deliver`` right after its commit.
"""

import datetime
import functools
import logging
import threading

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from home.models import PracticeSettings

from . import client_link, ics
from .models import Notification

logger = logging.getLogger(__name__)

# A claimed row whose worker died is tried again after this long.
STALE_CLAIM = datetime.timedelta(minutes=15)
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 60 * 60


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 12)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most six hours."""
    return datetime.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def create(rows: list[Notification]) -> list[Notification]:
    """Save the notifications inside the caller's transaction, then ``queue`` them."""
    saved = save(rows)
    queue(saved)
    return saved


def save(rows: list[Notification]) -> list[Notification]:
    """Save the notifications inside the caller's transaction; the ones saved."""
    saved = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue  # each kind of email goes once per request: this one already exists
        saved.append(row)
    return saved


def queue(rows: list[Notification]) -> None:
    """Hand saved rows to delivery. The worker finds due rows by itself, so this does nothing
    unless ``NOTIFICATIONS_SEND_AFTER_COMMIT`` (development) sends them after the commit."""
    if settings.NOTIFICATIONS_SEND_AFTER_COMMIT:
        for row in rows:
            # robust: the request is committed whatever happens here; a failed email stays
            # on its row for the worker, and nothing else can reach the visitor as an error.
            transaction.on_commit(functools.partial(deliver, row.pk), robust=True)


def due() -> Q:
    now = timezone.now()
    return Q(status=Notification.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def claim(notification_id: int) -> bool:
    """Take the row for sending. Only one caller can win it."""
    return bool(
        Notification.objects.filter(due(), pk=notification_id).update(
            status=Notification.Status.SENDING,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


def deliver(notification_id: int) -> str | None:
    """Send one notification if it is due and no one else has it.

    Returns its status afterwards (sent, pending for a retry, or failed), or None when there
    was nothing for this caller to do.
    """
    if not claim(notification_id):
        return None
    row = Notification.objects.select_related("booking", "form_submission").get(pk=notification_id)
    try:
        message = build_message(row)
        if message is not None:
            message.send(fail_silently=False)
    except NotNeeded:
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.Status.SKIPPED, claimed_at=None, body=""
        )
        return Notification.Status.SKIPPED
    except Exception as error:  # any failure is recorded and retried
        failed = row.attempts >= max_attempts()
        Notification.objects.filter(pk=row.pk).update(
            **({"body": ""} if failed else {}),
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            next_attempt_at=timezone.now() + backoff(row.attempts),
            claimed_at=None,
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        logger.warning(
            "Notification %s (%s) not sent, attempt %s: %s",
            row.pk,
            row.kind,
            row.attempts,
            type(error).__name__,
        )
        return Notification.Status.FAILED if failed else Notification.Status.PENDING
    # A written-out body (a password reset's) holds a secret link: not kept once sent.
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
        body="",
    )
    return Notification.Status.SENT


def send_pending(limit: int = 100, stop: threading.Event | None = None) -> dict[str, int]:
    """Send every notification that is due, oldest first; {status: count} of those tried.

    ``stop`` is looked at between emails, never during one: the worker's clean shutdown.
    """
    counts: dict[str, int] = {}
    for pk in list(Notification.objects.filter(due()).values_list("pk", flat=True)[:limit]):
        if stop is not None and stop.is_set():
            break
        status = deliver(pk)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


# -- the messages -----------------------------------------------------------------


def practice_settings() -> PracticeSettings:
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return PracticeSettings.for_site(site)


def admin_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def plain_text(template: str, context: dict) -> str:
    """Emails are plain text only: nothing a visitor typed can become markup in them."""
    return render_to_string(template, context).strip() + "\n"


class NotNeeded(Exception):
    """The email is no longer wanted (a reminder for an appointment cancelled or moved
    since it was queued): the row is marked skipped, never sent."""


def build_message(row: Notification) -> EmailMessage | None:
    practice = practice_settings()
    from_email = settings.DEFAULT_FROM_EMAIL
    if row.booking_id:
        return booking_message(row, row.booking, practice, from_email)
    if row.form_submission_id:
        return contact_message(row.form_submission, practice, from_email)
    if row.kind == Notification.Kind.PASSWORD_RESET:
        if not row.body:
            raise NotNeeded  # done with once already: its link is not kept
        return EmailMessage(row.subject, row.body, from_email, [row.recipient])
    return None


# The emails to the client about a booking: subject and plain-text template, by kind.
# None of them ever holds the health notes.
CLIENT_EMAILS = {
    Notification.Kind.BOOKING_ACKNOWLEDGEMENT: (
        "We have your booking request {number}",
        "bookings/emails/booking_acknowledgement.txt",
    ),
    Notification.Kind.BOOKING_CONFIRMED: (
        "Your appointment is confirmed ({number})",
        "bookings/emails/booking_confirmed.txt",
    ),
    Notification.Kind.BOOKING_UPDATED: (
        "Your appointment has a new time ({number})",
        "bookings/emails/booking_updated.txt",
    ),
    Notification.Kind.BOOKING_DECLINED: (
        "About your booking request {number}",
        "bookings/emails/booking_declined.txt",
    ),
    Notification.Kind.BOOKING_CANCELLED: (
        "Your appointment is cancelled ({number})",
        "bookings/emails/booking_cancelled.txt",
    ),
    Notification.Kind.BOOKING_THANK_YOU: (
        "Thank you for your visit ({number})",
        "bookings/emails/booking_thank_you.txt",
    ),
    Notification.Kind.BOOKING_REMINDER: (
        "A reminder of your appointment tomorrow ({number})",
        "bookings/emails/booking_reminder.txt",
    ),
    Notification.Kind.CLIENT_MOVE_ACKNOWLEDGEMENT: (
        "We have your request for another time ({number})",
        "bookings/emails/client_move_acknowledgement.txt",
    ),
}

# The emails to the practice about what a client did through their own link.
PRACTICE_EMAILS = {
    Notification.Kind.BOOKING_PRACTICE: (
        "New booking request {number}",
        "bookings/emails/booking_practice.txt",
    ),
    Notification.Kind.CLIENT_CANCELLED: (
        "{name} cancelled the appointment {number}",
        "bookings/emails/client_cancelled.txt",
    ),
    Notification.Kind.CLIENT_ASKED_TO_MOVE: (
        "{name} asks for another time ({number})",
        "bookings/emails/client_asked_to_move.txt",
    ),
}

# The client's emails that carry a calendar file, and its iTIP method.
CALENDAR_METHODS = {
    Notification.Kind.BOOKING_CONFIRMED: ics.REQUEST,
    Notification.Kind.BOOKING_UPDATED: ics.REQUEST,
    Notification.Kind.BOOKING_CANCELLED: ics.CANCEL,
}
# ... and those that carry the client's own link to cancel or ask for another time.
WITH_CLIENT_LINK = {
    Notification.Kind.BOOKING_CONFIRMED,
    Notification.Kind.BOOKING_UPDATED,
    Notification.Kind.BOOKING_REMINDER,
}


def client_email(kind, booking, practice, *, sequence: int, note: str = "") -> tuple[str, str]:
    """The subject and text of an email to the client: what the worker sends, and what the
    therapist previews before she decides (with ``booking`` as it will be then)."""
    subject, template = CLIENT_EMAILS[kind]
    context = {
        "booking": booking,
        "practice": practice,
        "note": note.strip(),
        "cancelled_by_client": kind == Notification.Kind.BOOKING_CANCELLED
        and booking.pk is not None
        and booking.events.filter(action="client_cancelled", sequence=sequence).exists(),
    }
    if kind in WITH_CLIENT_LINK:
        context["client_link"] = client_link.link_url(booking, sequence)
    return subject.format(number=booking.number), plain_text(template, context)


def booking_message(row, booking, practice, from_email) -> EmailMessage:
    if row.kind in PRACTICE_EMAILS:
        return practice_message(row, booking, practice, from_email)
    if row.kind not in CLIENT_EMAILS:
        raise ValueError(f"Unknown notification kind {row.kind}")
    if row.kind == Notification.Kind.BOOKING_REMINDER and not reminder_still_wanted(row, booking):
        raise NotNeeded
    subject, body = client_email(row.kind, booking, practice, sequence=row.sequence, note=row.note)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=from_email,
        to=[booking.email],
        reply_to=[practice.email] if practice.email else None,
    )
    if row.kind in CALENDAR_METHODS:
        method = CALENDAR_METHODS[row.kind]
        content = ics.booking_calendar(booking, practice, sequence=row.sequence, method=method)
        message.attach(ics.calendar_attachment(content, method))
    return message


def reminder_still_wanted(row, booking) -> bool:
    """Looked at again when it is sent: only for the appointment as it still stands."""
    if booking.status != booking.Status.CONFIRMED or row.sequence != booking.calendar_sequence:
        return False
    when = booking.chosen_window()
    return when is not None and when[0] > timezone.now()


def practice_message(row, booking, practice, from_email) -> EmailMessage:
    to = practice.booking_notification_email or practice.email
    if not to:
        raise ValueError("No booking notification address is set in Practice details")
    subject, template = PRACTICE_EMAILS[row.kind]
    context = {
        "booking": booking,
        "practice": practice,
        "note": row.note,
        "admin_url": admin_url(reverse("booking_requests:inspect", args=[booking.pk])),
    }
    # The health notes are never in an email; the admin link is where they are read.
    return EmailMessage(
        subject=subject.format(number=booking.number, name=booking.name),
        body=plain_text(template, context),
        from_email=from_email,
        to=[to],
        reply_to=[booking.email],
    )


def contact_message(submission, practice, from_email) -> EmailMessage:
    page = submission.page.specific
    to = [a.strip() for a in page.to_address.split(",") if a.strip()] or [
        practice.booking_notification_email or practice.email
    ]
    labels = {field.clean_name: field.label for field in page.get_form_fields()}
    fields = [
        (labels.get(name, name), ", ".join(value) if isinstance(value, list) else value)
        for name, value in submission.form_data.items()
    ]
    email = submission.form_data.get("email")
    context = {
        "practice": practice,
        "fields": fields,
        "submission": submission,
        "admin_url": admin_url(reverse("wagtailforms:list_submissions", args=[page.pk])),
    }
    return EmailMessage(
        subject=page.subject or "New message from the website",
        body=plain_text("emails/contact_practice.txt", context),
        from_email=page.from_address or from_email,
        to=to,
        reply_to=[email] if email else None,
    )
