"""Confirmed appointments as busy intervals: the one place free times read the bookings.

When the booking back office moves to its own app, only these imports change.
"""

import datetime as dt

from services.appointments import appointments_between

from .slots import Interval

# An appointment that began up to this long before a window can still reach into it.
LONGEST_SESSION = dt.timedelta(hours=6)


def taken_between(start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Each confirmed appointment that may overlap [start, end), as (start, end)."""
    rows = appointments_between(start - LONGEST_SESSION, end).values_list(
        "appointment_at", "session_minutes"
    )
    return [
        (begins, begins + dt.timedelta(minutes=minutes))
        for begins, minutes in rows
        if begins is not None
    ]
