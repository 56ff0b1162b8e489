"""The rows that make a double booking impossible: each confirmed appointment holds one
``OccupiedSlot`` per ``UNIT`` of her time, from its start to its end plus her buffer, and
the slot's start is unique. Two bookings of one time, however close together, need the same
row: the database stores one and refuses the other (``IntegrityError``), on SQLite and on
PostgreSQL alike, with no check before the insert to race against.

Why the buffer is inside: free times keep her buffer after every appointment, and two
visitors taking neighbouring times at once would otherwise both be stored with no break
between. Holding ``[start, end + buffer)`` keeps at least one buffer between any two
appointments, whichever of them comes first.

Called inside the caller's transaction: ``hold`` when an appointment is confirmed or moved,
``release`` when it is cancelled.
"""

import datetime as dt

from django.db import IntegrityError, transaction

from availability.models import AvailabilitySettings

from .models import BookingRequest, OccupiedSlot

UNIT = dt.timedelta(minutes=5)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

TAKEN = "This time has just been taken by another appointment (or its break after)."


class SlotTaken(Exception):
    """Another confirmed appointment holds some of this time."""


def unit_starts(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The starts of every unit that [start, end) touches, in UTC: a start between two
    units holds the one it falls in."""
    first = EPOCH + ((start - EPOCH) // UNIT) * UNIT
    moments = []
    moment = first
    while moment < end:
        moments.append(moment)
        moment += UNIT
    return moments


def held_interval(
    start: dt.datetime, minutes: int, buffer: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    return start, start + dt.timedelta(minutes=minutes) + buffer


def current_buffer() -> dt.timedelta:
    return dt.timedelta(minutes=AvailabilitySettings.load().buffer_minutes)


def hold(booking: BookingRequest, buffer: dt.timedelta | None = None) -> None:
    """Replace the booking's rows with those of its appointment as it now stands; raise
    ``SlotTaken`` (and write nothing) when another appointment holds some of them."""
    when = booking.chosen_window()
    if when is None:
        release(booking)
        return
    buffer = current_buffer() if buffer is None else buffer
    start, end = held_interval(when[0], booking.session_minutes, buffer)
    try:
        with transaction.atomic():
            release(booking)
            OccupiedSlot.objects.bulk_create(
                OccupiedSlot(booking=booking, starts_at=moment)
                for moment in unit_starts(start, end)
            )
    except IntegrityError as error:
        raise SlotTaken(TAKEN) from error


def release(booking: BookingRequest) -> None:
    OccupiedSlot.objects.filter(booking=booking).delete()
