"""Run by bench/free_times.py in a process of the site (with its environment): makes the
bookings and the busy calendar up, with a fixed seed, then times the free times. Prints one
JSON object."""

import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()  # before the models below are imported

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from availability import free_times as gathered  # noqa: E402
from availability.busy_calendar import current_copy  # noqa: E402
from availability.busy_ics import busy_intervals  # noqa: E402
from availability.models import AvailabilitySettings  # noqa: E402
from availability.slots import free_starts  # noqa: E402
from availability.taken import taken_between  # noqa: E402
from bench.free_times import ALL_DAY_EVENTS, APPOINTMENTS, EVENTS, RUNS, TREATMENT  # noqa: E402
from bookings.models import BookingRequest  # noqa: E402
from services.models import BookingPage, SessionOption  # noqa: E402

EVERY_DAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZONE = timezone.get_default_timezone()
NOW = timezone.now()
TODAY = NOW.astimezone(ZONE).date()


def random_moment(first_hour: int = 9, last_hour: int = 17) -> dt.datetime:
    """A quarter hour between the hours, on one of the next 55 days."""
    day = TODAY + dt.timedelta(days=random.randrange(1, 56))
    minute = random.randrange(first_hour * 4, last_hour * 4) * 15
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=ZONE)


def make_appointments() -> None:
    bookings = []
    for number in range(APPOINTMENTS):
        start = random_moment()
        end = start + dt.timedelta(hours=1)
        bookings.append(
            BookingRequest(
                status=BookingRequest.Status.CONFIRMED,
                service_title="Deep Tissue Massage",
                session_minutes=60,
                name=f"Client {number}",
                email=f"client{number}@example.com",
                phone="07700 900123",
                client_type=BookingRequest.ClientType.RETURNING,
                window_1_start=start,
                window_1_end=end,
                window_2_start=start,
                window_2_end=end,
                confirmed_window=1,
                appointment_start=start,
            )
        )
    BookingRequest.objects.bulk_create(bookings)


def calendar_file() -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for number in range(EVENTS):
        lines += ["BEGIN:VEVENT", f"UID:bench-{number}@example.com"]
        if number < ALL_DAY_EVENTS:
            day = TODAY + dt.timedelta(days=random.randrange(1, 56))
            lines += [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            ]
        else:
            start = random_moment(7, 21)
            end = start + dt.timedelta(minutes=random.choice((60, 90, 120, 180)))
            lines += [
                f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/London:{end:%Y%m%dT%H%M%S}",
            ]
        lines += ["SUMMARY:Busy", "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def booking_page_url() -> str:
    """The booking page, showing the free times of the treatment's 60-minute session."""
    option = SessionOption.objects.get(page__slug=TREATMENT, duration_minutes=60)
    return f"{BookingPage.objects.get().url}?session={option.pk}"


def timed(function, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    random.seed(21)
    practice = gathered.practice_settings()
    practice.opening_hours = [
        {"type": "hours", "value": {"days": EVERY_DAY, "opens": "09:00", "closes": "18:00"}}
    ]
    practice.save()
    make_appointments()

    data = calendar_file()
    parse_ms = timed(
        lambda: busy_intervals(
            data, zone=ZONE, window_start=NOW, window_end=NOW + dt.timedelta(weeks=9)
        ),
        runs=5,
    )
    busy = busy_intervals(data, zone=ZONE, window_start=NOW, window_end=NOW + dt.timedelta(weeks=9))
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "https://calendar.example/private/basic.ics"
    rules.save()
    copy = current_copy()
    copy.source_url, copy.read_at = rules.busy_calendar_url, NOW
    copy.busy = [[start.isoformat(), end.isoformat()] for start, end in busy]
    copy.save()

    gathered.free_times(60)  # the first call of a process pays for imports
    with CaptureQueriesContext(connection) as queries:
        starts = gathered.free_times(60)
    whole = timed(lambda: gathered.free_times(60))

    inputs = {
        "minutes": 60,
        "now": NOW,
        "zone": ZONE,
        "openings": gathered.openings(practice),
        "rules": gathered.rules_of(rules),
        "taken": taken_between(NOW, NOW + dt.timedelta(weeks=8, days=1)),
        "time_off": [],
        "busy": copy.intervals(),
    }
    pure = timed(lambda: free_starts(**inputs))
    result = {
        "free starts": len(starts),
        "taken": len(inputs["taken"]),
        "busy intervals": len(inputs["busy"]),
        "queries": len(queries.captured_queries),
        "parse ms": statistics.median(parse_ms),
        "whole p50 ms": statistics.median(whole),
        "whole max ms": max(whole),
        "pure p50 ms": statistics.median(pure),
        "pure max ms": max(pure),
        "runs": RUNS,
        "booking page url": booking_page_url(),
    }
    print(json.dumps(result))  # noqa: T201


if __name__ == "__main__":
    main()
