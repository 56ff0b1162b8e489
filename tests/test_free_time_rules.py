"""The free-times computation on plain intervals (availability/slots.py): no database, no HTTP.

The practice is in London. 7 December 2026 is a Monday; the clocks go forward on
29 March 2026 and back on 25 October 2026.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from availability.slots import Opening, Rules, free_starts, local_days

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 12, 7)
MORNINGS = (Opening(frozenset({0}), dt.time(9), dt.time(12)),)  # Mondays 9:00–12:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def hours(*pairs) -> list[str]:
    return [f"{h:02d}:{m:02d}" for h, m in pairs]


def starts(
    *,
    minutes=60,
    now=None,
    openings=MORNINGS,
    rules=None,
    taken=(),
    time_off=(),
    busy=(),
) -> list[dt.datetime]:
    return free_starts(
        minutes=minutes,
        now=now or at(MONDAY, 0),
        zone=LONDON,
        openings=openings,
        rules=rules or Rules(step=dt.timedelta(hours=1), horizon=dt.timedelta(days=1)),
        taken=taken,
        time_off=time_off,
        busy=busy,
    )


def local(moments) -> list[str]:
    return [f"{moment.astimezone(LONDON):%H:%M}" for moment in moments]


CASES = [
    ("every hour of the opening that a session fits in", {}, hours((9, 0), (10, 0), (11, 0))),
    (
        "an appointment right before and after leaves no gap without a buffer",
        {"taken": [(at(MONDAY, 10), at(MONDAY, 11))]},
        hours((9, 0), (11, 0)),
    ),
    (
        "the buffer keeps 15 minutes either side of an appointment",
        {
            "minutes": 30,
            "rules": Rules(
                buffer=dt.timedelta(minutes=15),
                step=dt.timedelta(minutes=15),
                horizon=dt.timedelta(days=1),
            ),
            "taken": [(at(MONDAY, 10), at(MONDAY, 11))],
        },
        hours((9, 0), (9, 15), (11, 15), (11, 30)),
    ),
    (
        "with the buffer, an hour's session no longer fits either side",
        {
            "rules": Rules(
                buffer=dt.timedelta(minutes=15),
                step=dt.timedelta(minutes=15),
                horizon=dt.timedelta(days=1),
            ),
            "taken": [(at(MONDAY, 10), at(MONDAY, 11))],
        },
        [],
    ),
    (
        "the minimum notice hides what is too soon",
        {
            "now": at(MONDAY, 8),
            "rules": Rules(
                notice=dt.timedelta(hours=2),
                step=dt.timedelta(hours=1),
                horizon=dt.timedelta(days=1),
            ),
        },
        hours((10, 0), (11, 0)),
    ),
    (
        "a notice ending between two steps starts at the next step of the grid",
        {
            "now": at(MONDAY, 8, 50),
            "rules": Rules(
                notice=dt.timedelta(hours=1),
                step=dt.timedelta(minutes=30),
                horizon=dt.timedelta(days=1),
            ),
        },
        hours((10, 0), (10, 30), (11, 0)),
    ),
    (
        "the horizon hides what is too far ahead",
        {"rules": Rules(step=dt.timedelta(hours=1), horizon=dt.timedelta(hours=10))},
        hours((9, 0), (10, 0)),
    ),
    ("a session longer than the opening has no time", {"minutes": 200}, []),
    (
        "a busy event from Sunday evening to Monday morning spans midnight",
        {"busy": [(at(MONDAY - dt.timedelta(days=1), 22), at(MONDAY, 10))]},
        hours((10, 0), (11, 0)),
    ),
    (
        "an all-day event takes the whole day",
        {"busy": [local_days(MONDAY, MONDAY, LONDON)]},
        [],
    ),
    (
        "time off from 11:00 leaves the morning's start",
        {"time_off": [local_days(MONDAY, MONDAY, LONDON, starts=dt.time(11))]},
        hours((9, 0), (10, 0)),
    ),
    (
        "time off ending at 10:00 leaves the rest of the morning",
        {"time_off": [local_days(MONDAY, MONDAY, LONDON, ends=dt.time(10))]},
        hours((10, 0), (11, 0)),
    ),
    (
        "two opening blocks that overlap are one opening",
        {
            "openings": (
                Opening(frozenset({0}), dt.time(9), dt.time(11)),
                Opening(frozenset({0}), dt.time(10), dt.time(12)),
            )
        },
        hours((9, 0), (10, 0), (11, 0)),
    ),
    (
        "an opening that closes before it opens is no opening",
        {"openings": (Opening(frozenset({0}), dt.time(12), dt.time(9)),)},
        [],
    ),
]


@pytest.mark.parametrize(("case", "given", "expected"), CASES, ids=[case[0] for case in CASES])
def test_free_start_times(case, given, expected):
    assert local(starts(**given)) == expected


def test_other_days_are_untouched_by_an_all_day_event():
    tuesday = MONDAY + dt.timedelta(days=1)
    week_days = (Opening(frozenset({0, 1}), dt.time(9), dt.time(11)),)
    free = starts(
        openings=week_days,
        rules=Rules(step=dt.timedelta(hours=1), horizon=dt.timedelta(days=3)),
        busy=[local_days(MONDAY, MONDAY, LONDON)],
    )
    assert [f"{m:%a %H:%M}" for m in free] == ["Tue 09:00", "Tue 10:00"]
    assert all(moment.astimezone(LONDON).date() == tuesday for moment in free)


def test_the_morning_the_clocks_go_forward_keeps_its_local_opening_hours():
    sunday = dt.date(2026, 3, 29)
    free = starts(
        now=at(sunday, 0),
        openings=(Opening(frozenset({6}), dt.time(9), dt.time(11)),),
    )
    assert local(free) == ["09:00", "10:00"]
    assert [m.astimezone(dt.UTC).hour for m in free] == [8, 9]  # British Summer Time


def test_the_night_the_clocks_go_forward_has_an_hour_less():
    sunday = dt.date(2026, 3, 29)
    free = starts(
        now=at(sunday, 0),
        openings=(Opening(frozenset({6}), dt.time(0), dt.time(4)),),
    )
    assert local(free) == ["00:00", "02:00", "03:00"]


def test_the_night_the_clocks_go_back_has_an_hour_more():
    sunday = dt.date(2026, 10, 25)
    free = starts(
        now=at(sunday, 0),
        openings=(Opening(frozenset({6}), dt.time(0), dt.time(3)),),
    )
    assert local(free) == ["00:00", "01:00", "01:00", "02:00"]
    assert len({m.astimezone(dt.UTC) for m in free}) == 4


def test_an_appointment_given_in_another_zone_blocks_the_same_moment():
    new_york = ZoneInfo("America/New_York")
    appointment = (
        at(MONDAY, 10).astimezone(new_york),
        at(MONDAY, 11).astimezone(new_york),
    )
    assert local(starts(taken=[appointment])) == ["09:00", "11:00"]


def test_the_times_are_in_the_practice_zone():
    assert all(moment.tzinfo == LONDON for moment in starts())


def test_a_grid_of_fifteen_minutes_starts_from_the_opening():
    free = starts(
        minutes=90,
        rules=Rules(step=dt.timedelta(minutes=15), horizon=dt.timedelta(days=1)),
    )
    assert local(free) == hours((9, 0), (9, 15), (9, 30), (9, 45), (10, 0), (10, 15), (10, 30))
