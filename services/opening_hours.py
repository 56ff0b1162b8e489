"""The practice's opening hours as people read them, beside the booking form's time fields.

Written from ``PracticeSettings.opening_hours``: the same blocks whose ``covers`` decides
which times the booking form accepts, so what the visitor reads is what the form checks.
"""

import datetime
from dataclasses import dataclass

from home.models import DAYS_OF_WEEK

WEEK = [day for day, _label in DAYS_OF_WEEK]


@dataclass(frozen=True)
class OpeningHoursText:
    """The practice's opening hours in a line: ``short`` for the eye (Mon–Fri 9:00–18:00,
    Sat 10:00–14:00), ``spoken`` for a screen reader (Monday to Friday, 9:00 to 18:00;
    Saturday, 10:00 to 14:00)."""

    short_parts: tuple[str, ...]
    spoken: str

    @property
    def short(self) -> str:
        return ", ".join(self.short_parts)


def _day_runs(days) -> list[list[str]]:
    """The days, in week order, as runs of consecutive days."""
    runs: list[list[str]] = []
    for day in sorted(set(days) & set(WEEK), key=WEEK.index):
        if runs and WEEK.index(day) == WEEK.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _days_text(days, *, spoken: bool) -> str:
    """Mon–Fri & Sun (short); Monday to Friday and Sunday (spoken). Three or more days in a
    row make a range."""
    parts = []
    for run in _day_runs(days):
        names = run if spoken else [day[:3] for day in run]
        if len(names) >= 3:
            parts.append(f"{names[0]} to {names[-1]}" if spoken else f"{names[0]}–{names[-1]}")
        else:
            parts.extend(names)
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + (" and " if spoken else " & ") + parts[-1]
    return parts[0]


def _time_text(moment: datetime.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def opening_hours_text(opening_hours) -> OpeningHoursText | None:
    """The hours of PracticeSettings.opening_hours (the same blocks that decide which times
    the form accepts), one entry per set of days; None when no hours are set."""
    by_days: dict[tuple[str, ...], list] = {}
    for child in opening_hours or ():
        days = tuple(day for run in _day_runs(child.value.get("days") or ()) for day in run)
        if days:
            by_days.setdefault(days, []).append(
                (child.value.get("opens"), child.value.get("closes"))
            )
    if not by_days:
        return None
    short, spoken = [], []
    for days, spans in by_days.items():
        spans = sorted(spans)
        short.append(
            _days_text(days, spoken=False)
            + " "
            + " and ".join(f"{_time_text(opens)}–{_time_text(closes)}" for opens, closes in spans)
        )
        spoken.append(
            _days_text(days, spoken=True)
            + ", "
            + " and ".join(
                f"{_time_text(opens)} to {_time_text(closes)}" for opens, closes in spans
            )
        )
    return OpeningHoursText(short_parts=tuple(short), spoken="; ".join(spoken))
