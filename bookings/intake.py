"""Where a visitor's booking enters the back office: services' booking page hands it over,
checked, and it is stored here. ``bookings`` never imports ``services``.

A treatment she books instantly arrives confirmed: it holds its time (``occupancy.hold``,
which raises ``SlotTaken`` when another visitor got there first) and its confirmation and
reminder are queued with it. Any other arrives as a request, for her desk.
"""

import datetime

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import occupancy
from .desk import reminder_rows
from .models import BookingEvent, BookingRequest, Notification

SlotTaken = occupancy.SlotTaken


@sensitive_variables("data")
def create_booking(data: dict, consent_version: str, *, instant: bool = False) -> BookingRequest:
    """A booking as the booking form checked it; the notes with the consent wording's
    version the visitor agreed to. ``data["windows"]``: the visitor's times as (start, end);
    with ``instant``, the first is confirmed at once."""
    option = data["session_option"]
    windows = data["windows"] + [(None, None)] * (3 - len(data["windows"]))
    notes = data.get("notes", "").strip()
    now = timezone.now()
    booking = BookingRequest.objects.create(
        service=data["service"],
        service_title=data["service"].title,
        session_minutes=option.duration_minutes,
        session_price=option.price,
        name=data["name"],
        email=data["email"],
        phone=data["phone"],
        client_type=data["client_type"],
        window_1_start=windows[0][0],
        window_1_end=windows[0][1],
        window_2_start=windows[1][0],
        window_2_end=windows[1][1],
        window_3_start=windows[2][0],
        window_3_end=windows[2][1],
        notes=notes,
        notes_consent_at=now if notes else None,
        notes_consent_version=consent_version if notes else "",
        came_from=data.get("came_from", ""),
        **(
            {
                "status": BookingRequest.Status.CONFIRMED,
                "status_changed_at": now,
                "appointment_start": windows[0][0],
                "confirmed_window": 1,
                "calendar_sequence": 1,
            }
            if instant
            else {}
        ),
    )
    if instant:
        occupancy.hold(booking)
        BookingEvent.objects.create(
            booking=booking,
            action=BookingEvent.Action.CONFIRMED,
            note="Booked at once by the client.",
            appointment_start=booking.appointment_start,
            sequence=booking.calendar_sequence,
            created_at=now,
        )
    return booking


def first_emails(booking: BookingRequest) -> list[Notification]:
    """The rows of the emails a new booking sends: to her, and to the client either the
    confirmation with its calendar file (and the reminder the day before) or the
    acknowledgement of the request."""
    confirmed = booking.status == BookingRequest.Status.CONFIRMED
    client_kind = (
        Notification.Kind.BOOKING_CONFIRMED
        if confirmed
        else Notification.Kind.BOOKING_ACKNOWLEDGEMENT
    )
    rows = [
        Notification.objects.create(booking=booking, kind=kind, sequence=booking.calendar_sequence)
        for kind in (Notification.Kind.BOOKING_PRACTICE, client_kind)
    ]
    for reminder in reminder_rows(booking) if confirmed else []:
        reminder.save()
        rows.append(reminder)
    return rows


def session_window(start: datetime.datetime, minutes: int):
    return start, start + datetime.timedelta(minutes=minutes)
