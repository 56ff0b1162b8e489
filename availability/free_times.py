"""Her free times for a session length: the one function the booking page, the desk's
warnings and ``manage.py free_times`` all call.

It gathers the inputs from the database (opening hours from the practice details, her rules,
confirmed appointments, time off, the last good copy of her busy calendar) and hands them to
the pure computation in ``slots.py``.
"""

import datetime as dt

from django.utils import timezone
from wagtail.models import Site

from home.models import PracticeSettings

from .busy_calendar import busy_for
from .models import AvailabilitySettings, TimeOff
from .slots import Opening, Rules, free_starts
from .taken import taken_between

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def openings(practice: PracticeSettings) -> list[Opening]:
    return [
        Opening(
            weekdays=frozenset(WEEKDAYS.index(day) for day in child.value.get("days") or ()),
            opens=child.value.get("opens"),
            closes=child.value.get("closes"),
        )
        for child in practice.opening_hours or ()
        if child.value.get("opens") and child.value.get("closes")
    ]


def rules_of(settings: AvailabilitySettings) -> Rules:
    return Rules(
        buffer=dt.timedelta(minutes=settings.buffer_minutes),
        notice=dt.timedelta(hours=settings.minimum_notice_hours),
        horizon=dt.timedelta(weeks=settings.horizon_weeks),
        step=dt.timedelta(minutes=settings.step_minutes),
    )


def practice_settings() -> PracticeSettings:
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return PracticeSettings.for_site(site)


def free_times(minutes: int, *, now: dt.datetime | None = None) -> list[dt.datetime]:
    """The moments a session of ``minutes`` may start, from her minimum notice to her
    horizon, soonest first, in the practice's time zone; none while no opening hours are set."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    settings = AvailabilitySettings.load()
    rules = rules_of(settings)
    window_end = now + rules.horizon + dt.timedelta(days=1)
    time_off = TimeOff.objects.filter(
        last_day__gte=(now - dt.timedelta(days=1)).astimezone(zone).date(),
        first_day__lte=window_end.astimezone(zone).date(),
    )
    return free_starts(
        minutes=minutes,
        now=now,
        zone=zone,
        openings=openings(practice_settings()),
        rules=rules,
        taken=taken_between(now, window_end),
        time_off=[entry.interval(zone) for entry in time_off],
        busy=busy_for(settings.busy_calendar_url),
    )


def free_times_on(minutes: int, day: dt.date, *, now: dt.datetime | None = None):
    """The free start times on one of the practice's days."""
    zone = timezone.get_default_timezone()
    return [
        moment for moment in free_times(minutes, now=now) if moment.astimezone(zone).date() == day
    ]
