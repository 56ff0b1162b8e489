"""Her busy calendar's file read into busy times (availability/busy_ics.py), without HTTP
or the database. The files are written as phones and Google write them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from availability.busy_ics import UnreadableCalendar, busy_intervals

LONDON = ZoneInfo("Europe/London")
WINDOW = (dt.datetime(2026, 12, 1, tzinfo=dt.UTC), dt.datetime(2027, 2, 1, tzinfo=dt.UTC))


def calendar(*events: str) -> bytes:
    """A calendar file of these events (lines split by newlines), with CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event.splitlines(), "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def busy(*events: str, window=WINDOW) -> list[str]:
    intervals = busy_intervals(
        calendar(*events),
        zone=LONDON,
        window_start=window[0],
        window_end=window[1],
    )
    return [
        f"{start.astimezone(LONDON):%Y-%m-%d %H:%M}–{end.astimezone(LONDON):%Y-%m-%d %H:%M}"
        for start, end in intervals
    ]


def test_an_event_with_a_time_zone_is_busy_at_that_time():
    assert busy(
        "UID:a\nDTSTART;TZID=Europe/Paris:20261208T100000\nDTEND;TZID=Europe/Paris:20261208T113000"
    ) == ["2026-12-08 09:00–2026-12-08 10:30"]


def test_an_event_in_utc_and_one_without_a_zone_in_local_time():
    assert busy(
        "UID:a\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z",
        "UID:b\nDTSTART:20261209T140000\nDURATION:PT45M",
    ) == ["2026-12-08 10:00–2026-12-08 11:00", "2026-12-09 14:00–2026-12-09 14:45"]


def test_an_event_over_midnight_is_busy_across_both_days():
    assert busy("UID:a\nDTSTART:20261209T220000Z\nDTEND:20261210T020000Z") == [
        "2026-12-09 22:00–2026-12-10 02:00"
    ]


def test_all_day_events_take_whole_local_days():
    assert busy(
        "UID:a\nDTSTART;VALUE=DATE:20261224\nDTEND;VALUE=DATE:20261226",
        "UID:b\nDTSTART;VALUE=DATE:20261231",
    ) == ["2026-12-24 00:00–2026-12-26 00:00", "2026-12-31 00:00–2027-01-01 00:00"]


def test_an_all_day_event_in_summer_is_the_local_day_not_the_utc_one():
    summer = (dt.datetime(2026, 7, 1, tzinfo=dt.UTC), dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    intervals = busy_intervals(
        calendar("UID:a\nDTSTART;VALUE=DATE:20260710\nDTEND;VALUE=DATE:20260711"),
        zone=LONDON,
        window_start=summer[0],
        window_end=summer[1],
    )
    assert intervals == [
        (dt.datetime(2026, 7, 9, 23, tzinfo=dt.UTC), dt.datetime(2026, 7, 10, 23, tzinfo=dt.UTC))
    ]


def test_free_and_cancelled_events_take_no_time():
    assert (
        busy(
            "UID:a\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z\nTRANSP:TRANSPARENT",
            "UID:b\nDTSTART:20261208T120000Z\nDTEND:20261208T130000Z\nSTATUS:CANCELLED",
        )
        == []
    )


def test_a_weekly_event_repeats_without_its_exceptions_and_moved_occurrences():
    assert busy(
        "UID:w\nDTSTART;TZID=Europe/London:20261208T100000\n"
        "DTEND;TZID=Europe/London:20261208T110000\nRRULE:FREQ=WEEKLY;COUNT=4\n"
        "EXDATE;TZID=Europe/London:20261215T100000",
        "UID:w\nRECURRENCE-ID;TZID=Europe/London:20261222T100000\n"
        "DTSTART;TZID=Europe/London:20261222T140000\nDTEND;TZID=Europe/London:20261222T150000",
    ) == [
        "2026-12-08 10:00–2026-12-08 11:00",
        "2026-12-22 14:00–2026-12-22 15:00",
        "2026-12-29 10:00–2026-12-29 11:00",
    ]


def test_a_weekly_event_keeps_its_local_time_over_a_clock_change():
    spring = (dt.datetime(2026, 3, 20, tzinfo=dt.UTC), dt.datetime(2026, 4, 5, tzinfo=dt.UTC))
    assert busy(
        "UID:w\nDTSTART;TZID=Europe/London:20260323T180000\n"
        "DTEND;TZID=Europe/London:20260323T190000\nRRULE:FREQ=WEEKLY;UNTIL=20260410T000000Z",
        window=spring,
    ) == ["2026-03-23 18:00–2026-03-23 19:00", "2026-03-30 18:00–2026-03-30 19:00"]


def test_a_repeating_event_from_long_ago_is_busy_in_the_window_only():
    assert busy(
        "UID:y\nDTSTART;VALUE=DATE:20201225\nDTEND;VALUE=DATE:20201226\nRRULE:FREQ=YEARLY"
    ) == ["2026-12-25 00:00–2026-12-26 00:00"]


def test_events_outside_the_window_and_overlapping_ones_are_left_out_and_joined():
    assert busy(
        "UID:old\nDTSTART:20261101T100000Z\nDTEND:20261101T110000Z",
        "UID:a\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z",
        "UID:b\nDTSTART:20261208T103000Z\nDTEND:20261208T120000Z",
    ) == ["2026-12-08 10:00–2026-12-08 12:00"]


def test_one_broken_event_costs_nothing_else():
    # The moved occurrence whose RECURRENCE-ID cannot be read still takes its own time.
    assert busy(
        "UID:a\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z\nRRULE:FREQ=SOMETIMES",
        "UID:c\nRECURRENCE-ID:yesterday\nDTSTART:20261208T120000Z\nDTEND:20261208T130000Z",
        "UID:d\nDTSTART;VALUE=DATE:20261210\nDTEND:20261210T100000Z",
        "UID:b\nDTSTART:20261209T100000Z\nDTEND:20261209T110000Z",
    ) == ["2026-12-08 12:00–2026-12-08 13:00", "2026-12-09 10:00–2026-12-09 11:00"]


@pytest.mark.parametrize("data", [b"", b"<html>Sign in</html>", b"BEGIN:VCALENDAR\r\nBROKEN"])
def test_what_is_not_a_calendar_is_refused(data):
    with pytest.raises(UnreadableCalendar):
        busy_intervals(data, zone=LONDON, window_start=WINDOW[0], window_end=WINDOW[1])
