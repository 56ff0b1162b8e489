"""Free start times, computed from plain intervals: no database, no HTTP.

The opening hours give the time she works; confirmed appointments (widened by her buffer),
her time off and her own busy times are taken out of it; a session may start on her grid
(every ``step`` from the opening) where the whole session fits before the next thing, no
sooner than her minimum notice and no later than her horizon. Every moment is an aware
datetime; days and opening hours are read in the practice's zone, so a clock change moves
nothing she sees, and the sums are done in UTC, where an hour is always an hour (Python adds
to an aware datetime's wall clock, and compares two of one zone by it).
"""

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Opening:
    """Opening hours on some days of the week (0 is Monday), in local time."""

    weekdays: frozenset[int]
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class Rules:
    """Her rules: the gap kept around each appointment, how soon and how far ahead a visitor
    may book, and the grid of start times."""

    buffer: dt.timedelta = dt.timedelta(0)
    notice: dt.timedelta = dt.timedelta(0)
    horizon: dt.timedelta = dt.timedelta(weeks=8)
    step: dt.timedelta = dt.timedelta(minutes=15)


def local_days(first_day: dt.date, last_day: dt.date, zone: ZoneInfo, *, starts=None, ends=None):
    """Whole local days ``first_day`` to ``last_day`` as one interval; ``starts`` (a time on
    the first day) and ``ends`` (a time on the last day) narrow it. For time off and all-day
    events: a day is the practice's day, 23 or 25 hours long on a clock change."""
    begin = dt.datetime.combine(first_day, starts or dt.time.min, tzinfo=zone)
    if ends is None:
        end = dt.datetime.combine(last_day + ONE_DAY, dt.time.min, tzinfo=zone)
    else:
        end = dt.datetime.combine(last_day, ends, tzinfo=zone)
    return in_utc((begin, end))


def in_utc(interval: Interval) -> Interval:
    return interval[0].astimezone(dt.UTC), interval[1].astimezone(dt.UTC)


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted, with those that overlap or touch made one; empty ones dropped."""
    result: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def opening_intervals(
    openings: Iterable[Opening], first_day: dt.date, last_day: dt.date, zone: ZoneInfo
) -> list[Interval]:
    """Each day's opening hours from ``first_day`` to ``last_day`` as moments."""
    openings = [opening for opening in openings if opening.opens < opening.closes]
    spans = []
    day = first_day
    while day <= last_day:
        for opening in openings:
            if day.weekday() in opening.weekdays:
                spans.append(
                    in_utc(
                        (
                            dt.datetime.combine(day, opening.opens, tzinfo=zone),
                            dt.datetime.combine(day, opening.closes, tzinfo=zone),
                        )
                    )
                )
        day += ONE_DAY
    return merged(spans)


def without(span: Interval, blocked: list[Interval], blocked_ends: list) -> list[Interval]:
    """``span`` minus the sorted, merged ``blocked`` intervals (``blocked_ends`` their ends)."""
    start, end = span
    pieces = []
    index = bisect.bisect_right(blocked_ends, start)
    while index < len(blocked) and blocked[index][0] < end:
        block_start, block_end = blocked[index]
        if block_start > start:
            pieces.append((start, block_start))
        start = max(start, block_end)
        index += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def free_starts(
    *,
    minutes: int,
    now: dt.datetime,
    zone: ZoneInfo,
    openings: Iterable[Opening],
    rules: Rules,
    taken: Iterable[Interval] = (),
    time_off: Iterable[Interval] = (),
    busy: Iterable[Interval] = (),
) -> list[dt.datetime]:
    """The moments a session of ``minutes`` may start, soonest first, in ``zone``."""
    length = dt.timedelta(minutes=minutes)
    now = now.astimezone(dt.UTC)
    earliest = now + rules.notice
    latest = now + rules.horizon
    if length <= dt.timedelta(0) or rules.step <= dt.timedelta(0) or earliest > latest:
        return []
    blocked = merged(
        [(start - rules.buffer, end + rules.buffer) for start, end in map(in_utc, taken)]
        + [in_utc(interval) for interval in time_off]
        + [in_utc(interval) for interval in busy]
    )
    blocked_ends = [end for _start, end in blocked]
    opens = opening_intervals(
        openings, earliest.astimezone(zone).date(), latest.astimezone(zone).date(), zone
    )
    starts = []
    for opening in opens:
        for free_from, free_until in without(opening, blocked, blocked_ends):
            # The first moment on the opening's grid at or after both free_from and earliest.
            lower = max(free_from, earliest)
            steps_in = -((opening[0] - lower) // rules.step)
            start = opening[0] + steps_in * rules.step
            while start + length <= free_until and start <= latest:
                starts.append(start.astimezone(zone))
                start += rules.step
    return starts
