"""Busy times in a calendar file (.ics): what her phone's or Google's calendar export holds.

Read with the icalendar library; repeating events are expanded with dateutil's rrule (which
icalendar depends on), so a weekly class is busy every week, minus its EXDATEs and the
occurrences moved elsewhere (a RECURRENCE-ID event stands in for them). Events marked free
(TRANSP:TRANSPARENT) or cancelled take no time. All-day events and times without a zone are
the practice's days and wall-clock times.
"""

import contextlib
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from .slots import ONE_DAY, Interval, in_utc, local_days, merged

# A repeating event yields at most this many occurrences in the window: a rule that repeats
# every minute cannot make the copy grow without end.
MAX_OCCURRENCES = 2000


# What icalendar and dateutil raise for a value written wrong.
WRITTEN_WRONG = (ValueError, TypeError, KeyError, IndexError, AttributeError)


class UnreadableCalendar(ValueError):
    """The file is not a calendar."""


def busy_intervals(
    data: bytes, *, zone: ZoneInfo, window_start: dt.datetime, window_end: dt.datetime
) -> list[Interval]:
    """The busy intervals of the calendar file that overlap the window, merged, in UTC."""
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise UnreadableCalendar("This is not a calendar file.") from error
    if not calendars:
        raise UnreadableCalendar("This is not a calendar file.")
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    moved = set()
    for event in events:
        with contextlib.suppress(*WRITTEN_WRONG):
            if "RECURRENCE-ID" in event:
                moved.add((str(event.get("UID")), as_moment(event.decoded("RECURRENCE-ID"), zone)))
    intervals = []
    for event in events:
        # One event written wrong does not cost her the others.
        with contextlib.suppress(*WRITTEN_WRONG):
            intervals.extend(event_intervals(event, zone, window_start, window_end, moved))
    return merged(
        (start, end) for start, end in intervals if start < window_end and end > window_start
    )


def takes_time(event) -> bool:
    return (
        str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
        and str(event.get("STATUS", "")).upper() != "CANCELLED"
    )


def as_moment(value, zone: ZoneInfo) -> dt.datetime:
    """A DTSTART-like value as an aware moment: a date is the start of that local day, a
    time without a zone is local."""
    if not isinstance(value, dt.datetime):
        return local_days(value, value, zone)[0]
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(dt.UTC)
    return value.astimezone(dt.UTC)


def event_intervals(event, zone, window_start, window_end, moved) -> list[Interval]:
    if not takes_time(event) or "DTSTART" not in event:
        return []
    start = event.decoded("DTSTART")
    all_day = not isinstance(start, dt.datetime)
    if "DTEND" in event:
        end = event.decoded("DTEND")
        length = None
    elif "DURATION" in event:
        end, length = None, event.decoded("DURATION")
    else:
        end, length = None, (ONE_DAY if all_day else dt.timedelta(0))

    def interval(occurrence_start) -> Interval:
        if all_day:
            days = (end - start).days if end is not None else length.days
            last = occurrence_start + dt.timedelta(days=max(days, 1) - 1)
            return local_days(occurrence_start, last, zone)
        occurrence_end = occurrence_start + (length if end is None else end - start)
        return in_utc((as_moment(occurrence_start, zone), as_moment(occurrence_end, zone)))

    if "RRULE" not in event or "RECURRENCE-ID" in event:
        return [interval(start)]
    uid = str(event.get("UID"))
    excluded = {
        as_moment(exdate.dt, zone)
        for exdates in listed(event.get("EXDATE"))
        for exdate in exdates.dts
    }
    rule_start = start if not all_day else dt.datetime.combine(start, dt.time.min)
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=rule_start)
    # Occurrences that began up to a week before the window can still reach into it.
    lower = window_start - dt.timedelta(weeks=1)
    if rule_start.tzinfo is None:
        lower = lower.astimezone(zone).replace(tzinfo=None)
    else:
        lower = lower.astimezone(rule_start.tzinfo)
    result = []
    for occurrence in itertools.islice(rule.xafter(lower, inc=True), MAX_OCCURRENCES):
        moment = as_moment(occurrence if not all_day else occurrence.date(), zone)
        if moment >= window_end:
            break
        if moment in excluded or (uid, moment) in moved:
            continue
        result.append(interval(occurrence.date() if all_day else occurrence))
    return result


def listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
