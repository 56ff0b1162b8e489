"""Confirmed appointments as busy intervals.

The back office (``bookings``) sits above this app: its desk asks for free times too. So
free times never import it; ``bookings/apps.py`` names, at start-up, the function that lists
confirmed appointments (``bookings.appointments.confirmed_intervals``).
"""

import datetime as dt
from collections.abc import Callable

from .slots import Interval

AppointmentSource = Callable[[dt.datetime, dt.datetime], list[Interval]]

_sources: list[AppointmentSource] = []


def read_appointments_from(source: AppointmentSource) -> None:
    """Called once by the app that keeps the appointments."""
    _sources[:] = [source]


def taken_between(start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Each confirmed appointment that may overlap [start, end), as (start, end)."""
    if not _sources:
        raise RuntimeError("No app has named where the confirmed appointments are kept.")
    return _sources[0](start, end)
