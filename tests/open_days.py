"""Dates the tests book: days ahead when the demo practice is open."""

import datetime

from django.utils import timezone


def next_weekday(days_ahead: int) -> datetime.date:
    """A Monday-to-Friday date at least `days_ahead` days from today (the demo's opening days)."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
