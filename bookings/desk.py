"""The therapist's decisions on a booking request, and the client's through their link.

Each function is one change of state, done in one transaction: it locks the request,
checks that the change is allowed from where the request stands, records it in the
request's history (``BookingEvent``), raises the calendar sequence, and queues the emails
(``Notification`` rows, sent by the worker). A change refused stores nothing and sends
nothing.

The reminder the day before is queued here too, as a ``Notification`` due at
``REMINDER_HOUR`` local time on the day before the appointment; a cancel or move marks the
waiting one skipped (and a move queues a new one). If that hour has already passed when
the appointment is confirmed, no reminder is queued: the confirmation has just gone out.
"""

import copy
import datetime

from django.db import transaction
from django.utils import timezone

from . import notifications, occupancy
from .models import BookingEvent, BookingRequest, Notification

Status = BookingRequest.Status
Action = BookingEvent.Action
Kind = Notification.Kind

# Local hour (the practice's time zone) of the reminder, on the day before the appointment.
REMINDER_HOUR = 10


CHANGED_MEANWHILE = (
    "This request changed while you were looking at it (another click or another person). "
    "Nothing was sent: look at it again before you decide."
)


class TransitionError(Exception):
    """The change is not allowed: the message says why, in words for the therapist."""


class LinkAlreadyUsed(TransitionError):
    """The client's link was already used for this version of the appointment."""


# -- checks, shared by the admin's preview and the change itself ---------------------------


def check_confirm(booking, start) -> None:
    if booking.status not in (Status.NEW, Status.CONFIRMED):
        raise TransitionError(
            f"A {booking.get_status_display().lower()} request cannot be confirmed."
        )
    if start is None:
        raise TransitionError("Choose one of the client's times, or type another.")
    if start <= timezone.now():
        raise TransitionError("The appointment must start in the future.")
    if booking.status == Status.CONFIRMED and booking.chosen_window()[0] == start:
        raise TransitionError("The appointment is already at that time.")


def check_decline(booking) -> None:
    if booking.status != Status.NEW:
        raise TransitionError("Only a new request can be declined; cancel a confirmed one.")


def check_cancel(booking) -> None:
    if booking.status != Status.CONFIRMED:
        raise TransitionError("Only a confirmed appointment can be cancelled.")


def check_complete(booking) -> None:
    if booking.status != Status.CONFIRMED:
        raise TransitionError("Only a confirmed appointment can be completed.")
    when = booking.chosen_window()
    if when is None or when[0] > timezone.now():
        raise TransitionError("An appointment can be completed once it has begun.")


def check_answer(booking) -> None:
    if booking.status != Status.CONFIRMED or not booking.needs_you:
        raise TransitionError(
            "Only an appointment whose client asked for another time can be answered."
        )


def warnings_for_start(booking, start) -> list[str]:
    """What the therapist should know before confirming ``start``; she may go ahead."""
    practice = notifications.practice_settings()
    end = start + datetime.timedelta(minutes=booking.session_minutes)
    local_start = timezone.localtime(start)
    local_last_minute = timezone.localtime(end - datetime.timedelta(minutes=1))
    warnings = []
    if not (practice.is_open_at(local_start) and practice.is_open_at(local_last_minute)):
        warnings.append("This time is outside your opening hours.")
    if window_containing(booking, start) is None:
        warnings.append("This time is not one of the times the client chose.")
    clashes = BookingRequest.objects.filter(
        status=Status.CONFIRMED, appointment_start__lt=end
    ).exclude(pk=booking.pk)
    if any((when := other.chosen_window()) and when[1] > start for other in clashes.iterator()):
        warnings.append("Another confirmed appointment overlaps this time.")
    return warnings


def window_containing(booking, start) -> int | None:
    for number, window_start, window_end in booking.windows():
        if window_start <= start < window_end:
            return number
    return None


# -- what the client will read --------------------------------------------------------------


def proposed(booking, action: str, start=None) -> tuple[BookingRequest, str | None]:
    """The request as it will be after ``action``, unsaved, with the kind of email the
    client will get (None when none is sent)."""
    after = copy.copy(booking)
    after.calendar_sequence = booking.calendar_sequence + 1
    if action == "confirm":
        kind = (
            Kind.BOOKING_UPDATED if booking.status == Status.CONFIRMED else Kind.BOOKING_CONFIRMED
        )
        after.status = Status.CONFIRMED
        after.appointment_start = start
        after.confirmed_window = window_containing(booking, start) if start else None
        return after, kind
    if action == "decline":
        after.status = Status.DECLINED
        return after, Kind.BOOKING_DECLINED
    if action == "cancel":
        after.status = Status.CANCELLED
        return after, Kind.BOOKING_CANCELLED
    if action == "answer":
        after.calendar_sequence = booking.calendar_sequence
        return after, None
    if action == "complete":
        after.status = Status.COMPLETED
        practice = notifications.practice_settings()
        return after, Kind.BOOKING_THANK_YOU if practice.send_thank_you_after_completed else None
    raise ValueError(f"Unknown action {action}")


def preview_email(booking, action: str, start=None, note: str = "") -> dict | None:
    """The email the client would get, rendered from the template the worker uses."""
    after, kind = proposed(booking, action, start)
    if kind is None:
        return None
    subject, body = notifications.client_email(
        kind,
        after,
        notifications.practice_settings(),
        sequence=after.calendar_sequence,
        note=note,
    )
    return {
        "to": booking.email,
        "subject": subject,
        "body": body,
        "calendar": kind in notifications.CALENDAR_METHODS,
    }


# -- the changes ---------------------------------------------------------------------------


def locked(booking, expected_sequence: int | None) -> BookingRequest:
    current = BookingRequest.objects.select_for_update().get(pk=booking.pk)
    if expected_sequence is not None and current.calendar_sequence != expected_sequence:
        raise TransitionError(CHANGED_MEANWHILE)
    return current


def apply(current, action, by, note, client_kind, *, event_action=None, **changes):
    """Save the new state, its history event and its emails; the caller holds the lock."""
    now = timezone.now()
    if changes.get("status", current.status) != current.status:
        changes["status_changed_at"] = now
    changes["calendar_sequence"] = current.calendar_sequence + 1
    # Whatever she decides answers a client's ask for another time.
    changes.setdefault("needs_you_since", None)
    for name, value in changes.items():
        setattr(current, name, value)
    current.save(update_fields=[*changes, "updated_at"])
    when = current.chosen_window() if current.status == Status.CONFIRMED else None
    BookingEvent.objects.create(
        booking=current,
        action=event_action or action,
        actor=by,
        note=note.strip(),
        appointment_start=when[0] if when else current.appointment_start,
        sequence=current.calendar_sequence,
        created_at=now,
    )
    rows = []
    if client_kind:
        rows.append(
            Notification(
                booking=current,
                kind=client_kind,
                sequence=current.calendar_sequence,
                note=note.strip(),
            )
        )
    rows.extend(reminder_rows(current))
    notifications.create(rows)
    return current


def reminder_at(booking) -> datetime.datetime | None:
    """When the reminder goes: REMINDER_HOUR local time on the day before the appointment."""
    when = booking.chosen_window()
    if when is None:
        return None
    zone = timezone.get_default_timezone()
    day_before = timezone.localtime(when[0], zone).date() - datetime.timedelta(days=1)
    return datetime.datetime.combine(day_before, datetime.time(REMINDER_HOUR), tzinfo=zone)


def reminder_rows(booking) -> list[Notification]:
    """Skip the waiting reminder; queue the one for the appointment as it now stands."""
    Notification.objects.filter(
        booking=booking, kind=Kind.BOOKING_REMINDER, status=Notification.Status.PENDING
    ).update(status=Notification.Status.SKIPPED)
    if booking.status != Status.CONFIRMED:
        return []
    due_at = reminder_at(booking)
    if due_at is None or due_at <= timezone.now():
        return []
    return [
        Notification(
            booking=booking,
            kind=Kind.BOOKING_REMINDER,
            sequence=booking.calendar_sequence,
            next_attempt_at=due_at,
        )
    ]


def confirm(booking, start, by, note: str = "", expected_sequence=None) -> BookingRequest:
    """Confirm at ``start`` (in a window the client chose or not); on a confirmed
    appointment, move it: the client gets the new time with an updated calendar file."""
    with transaction.atomic():
        current = locked(booking, expected_sequence)
        check_confirm(current, start)
        moving = current.status == Status.CONFIRMED
        current = apply(
            current,
            Action.MOVED if moving else Action.CONFIRMED,
            by,
            note,
            Kind.BOOKING_UPDATED if moving else Kind.BOOKING_CONFIRMED,
            status=Status.CONFIRMED,
            appointment_start=start,
            confirmed_window=window_containing(current, start),
            client_link_used_for=None,
        )
        try:
            occupancy.hold(current)
        except occupancy.SlotTaken as taken:
            # Raised inside the transaction: the confirmation and its emails go with it.
            raise TransitionError(
                f"{taken} Nothing was sent: choose another time, or move the other "
                "appointment first."
            ) from taken
        return current


def decline(booking, by, note: str = "", expected_sequence=None) -> BookingRequest:
    with transaction.atomic():
        current = locked(booking, expected_sequence)
        check_decline(current)
        return apply(
            current, Action.DECLINED, by, note, Kind.BOOKING_DECLINED, status=Status.DECLINED
        )


def cancel(booking, by, note: str = "", expected_sequence=None) -> BookingRequest:
    """The therapist cancels: the client gets a calendar cancellation."""
    with transaction.atomic():
        current = locked(booking, expected_sequence)
        check_cancel(current)
        occupancy.release(current)
        return apply(
            current, Action.CANCELLED, by, note, Kind.BOOKING_CANCELLED, status=Status.CANCELLED
        )


def complete(booking, by, note: str = "", expected_sequence=None) -> BookingRequest:
    """Done: a thank-you goes to the client only if Practice details say so."""
    with transaction.atomic():
        current = locked(booking, expected_sequence)
        check_complete(current)
        _, kind = proposed(current, "complete")
        return apply(current, Action.COMPLETED, by, note, kind, status=Status.COMPLETED)


def answer(booking, by, note: str = "", expected_sequence=None) -> BookingRequest:
    """The client's ask for another time is dealt with (by phone, by a reply) and the
    appointment stays as it is: no longer "needs you". Nothing is sent and the client's
    link stays as it was."""
    with transaction.atomic():
        current = locked(booking, expected_sequence)
        check_answer(current)
        current.needs_you_since = None
        current.save(update_fields=["needs_you_since", "updated_at"])
        BookingEvent.objects.create(
            booking=current,
            action=Action.ANSWERED,
            actor=by,
            note=note.strip(),
            appointment_start=current.chosen_window()[0],
            sequence=current.calendar_sequence,
        )
        return current


# -- the client, through their own link -----------------------------------------------------


def client_cancels(booking, sequence: int) -> BookingRequest:
    """The client cancels: a calendar cancellation to them, a note to the practice."""
    with transaction.atomic():
        current = locked(booking, sequence)
        check_cancel(current)
        occupancy.release(current)
        apply(
            current,
            Action.CLIENT_CANCELLED,
            None,
            "",
            Kind.BOOKING_CANCELLED,
            status=Status.CANCELLED,
        )
        notifications.create(
            [
                Notification(
                    booking=current,
                    kind=Kind.CLIENT_CANCELLED,
                    sequence=current.calendar_sequence,
                )
            ]
        )
        return current


def client_asks_to_move(booking, sequence: int, message: str) -> BookingRequest:
    """The client asks for another time. The appointment stands until the therapist moves
    it; the link has been used, so a second ask through it is refused."""
    with transaction.atomic():
        current = locked(booking, sequence)
        if current.status != Status.CONFIRMED:
            raise TransitionError("Only a confirmed appointment can be moved.")
        if current.client_link_used_for == sequence:
            raise LinkAlreadyUsed("You have already asked for another time with this link.")
        current.client_link_used_for = sequence
        current.needs_you_since = timezone.now()
        current.save(update_fields=["client_link_used_for", "needs_you_since", "updated_at"])
        BookingEvent.objects.create(
            booking=current,
            action=Action.CLIENT_ASKED_TO_MOVE,
            note=message.strip(),
            appointment_start=current.chosen_window()[0],
            sequence=sequence,
        )
        notifications.create(
            [
                Notification(
                    booking=current,
                    kind=Kind.CLIENT_ASKED_TO_MOVE,
                    sequence=sequence,
                    note=message.strip(),
                ),
                # The client hears that the ask arrived; never their message again.
                Notification(
                    booking=current, kind=Kind.CLIENT_MOVE_ACKNOWLEDGEMENT, sequence=sequence
                ),
            ]
        )
        return current
