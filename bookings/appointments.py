"""Appointments in time: which confirmed appointments and open requests fall on which days.

Shared by the week view and the dashboard (``bookings.week``) and the calendar feed
(``bookings.calendar_feed``). Days are the practice's days, in its time zone (``TIME_ZONE``).
"""

import datetime

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import BookingRequest


def practice_zone():
    return timezone.get_default_timezone()


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The moment the practice's ``day`` begins, whatever the clocks did that night."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=practice_zone())


def with_appointment_start(queryset):
    """``appointment_at`` on each request: the start she set, else its chosen window's start."""
    chosen_window_start = models.Case(
        models.When(confirmed_window=1, then="window_1_start"),
        models.When(confirmed_window=2, then="window_2_start"),
        models.When(confirmed_window=3, then="window_3_start"),
        default=None,
    )
    return queryset.annotate(appointment_at=Coalesce("appointment_start", chosen_window_start))


def appointments_between(start: datetime.datetime, end: datetime.datetime):
    """Confirmed appointments starting in [start, end), soonest first."""
    confirmed = BookingRequest.objects.filter(status=BookingRequest.Status.CONFIRMED)
    return (
        with_appointment_start(confirmed)
        .filter(appointment_at__gte=start, appointment_at__lt=end)
        .order_by("appointment_at", "pk")
    )


# An appointment that began up to this long before a window can still reach into it.
LONGEST_SESSION = datetime.timedelta(hours=6)


def confirmed_intervals(start: datetime.datetime, end: datetime.datetime):
    """Each confirmed appointment that may overlap [start, end), as (start, end): what free
    times take out (``availability.taken``)."""
    rows = appointments_between(start - LONGEST_SESSION, end).values_list(
        "appointment_at", "session_minutes"
    )
    return [
        (begins, begins + datetime.timedelta(minutes=minutes))
        for begins, minutes in rows
        if begins is not None
    ]


def open_requests_between(start: datetime.datetime, end: datetime.datetime):
    """Requests not answered yet whose first choice begins in [start, end)."""
    return BookingRequest.objects.filter(
        status=BookingRequest.Status.NEW, window_1_start__gte=start, window_1_start__lt=end
    ).order_by("window_1_start", "pk")


def first_name(name: str) -> str:
    return (name.split() or [""])[0]
