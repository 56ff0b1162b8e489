"""Reading her busy calendar into its last good copy (run every few minutes by
``manage.py read_busy_calendar``).

A reading that fails keeps the last good copy, and records why and since when, for the
dashboard. The address is a secret: it is never logged nor put in the error.
"""

import datetime as dt
import logging

from django.utils import timezone

from .busy_ics import UnreadableCalendar, busy_intervals
from .feed import FeedError, fetch
from .models import AvailabilitySettings, BusyCalendarCopy

logger = logging.getLogger(__name__)

# The copy covers a little more than the furthest she lets visitors book.
MARGIN = dt.timedelta(weeks=1)


def current_copy() -> BusyCalendarCopy:
    """The one copy (saved as row 1, so that two readers at once update the same row)."""
    return BusyCalendarCopy.objects.filter(pk=1).first() or BusyCalendarCopy(pk=1)


def read_busy_calendar(now: dt.datetime | None = None) -> BusyCalendarCopy | None:
    """Read her calendar once; None when she has not given one."""
    now = now or timezone.now()
    rules = AvailabilitySettings.load()
    url = rules.busy_calendar_url.strip()
    copy = current_copy()
    if not url:
        BusyCalendarCopy.objects.all().delete()
        return None
    copy.tried_at = now
    try:
        data = fetch(url)
        busy = busy_intervals(
            data,
            zone=timezone.get_default_timezone(),
            window_start=now - dt.timedelta(days=1),
            window_end=now + dt.timedelta(weeks=rules.horizon_weeks) + MARGIN,
        )
    except (FeedError, UnreadableCalendar) as error:
        logger.warning("Her busy calendar could not be read: %s", error)
        copy.error = str(error)
        copy.failing_since = copy.failing_since or now
    else:
        copy.source_url = url
        copy.busy = [[start.isoformat(), end.isoformat()] for start, end in busy]
        copy.read_at = now
        copy.error = ""
        copy.failing_since = None
    copy.save()
    return copy


def busy_for(url: str) -> list:
    """The busy intervals of the last good copy while she has a calendar address: after she
    changes it, the old copy stands until the new address is read."""
    if not url.strip():
        return []
    return current_copy().intervals()
