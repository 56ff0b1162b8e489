"""Her rules for free times, her time off, and the last good copy of her busy calendar."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .slots import Interval, local_days


def validate_calendar_address(value: str) -> None:
    if not value.strip().lower().startswith(("https://", "webcal://")):
        raise ValidationError("The address must start with https:// or webcal://.")


@register_setting(icon="time")
class AvailabilitySettings(BaseGenericSetting):
    """One therapist, one diary: the same rules whichever address the site answers on."""

    buffer_minutes = models.PositiveSmallIntegerField(
        "Buffer between sessions (minutes)",
        default=15,
        help_text="Kept free before and after every confirmed appointment.",
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(
        "Minimum notice (hours)",
        default=12,
        help_text="No time sooner than this is offered.",
    )
    horizon_weeks = models.PositiveSmallIntegerField(
        "How far ahead (weeks)", default=8, help_text="No time later than this is offered."
    )
    step_minutes = models.PositiveSmallIntegerField(
        "Start times every (minutes)",
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30"), (60, "60")],
        help_text="Sessions start on this grid, counted from the opening time.",
    )
    busy_calendar_url = models.CharField(
        "Your private calendar's address",
        max_length=2000,
        blank=True,
        validators=[validate_calendar_address],
        help_text="The secret address of your phone's or Google's calendar (ending in .ics). "
        "Its events are taken out of the free times; it is read every few minutes. "
        "Leave empty to use none.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("buffer_minutes"), FieldPanel("step_minutes")]),
                FieldRowPanel([FieldPanel("minimum_notice_hours"), FieldPanel("horizon_weeks")]),
            ],
            heading="Free times",
        ),
        FieldPanel("busy_calendar_url"),
    ]

    class Meta:
        verbose_name = "Booking times"

    def clean(self):
        if self.horizon_weeks * 7 * 24 <= self.minimum_notice_hours:
            raise ValidationError(
                {"horizon_weeks": "This must reach further than the minimum notice."}
            )


class TimeOff(models.Model):
    """Days, or part of them, when she takes no bookings: a holiday, a course."""

    reason = models.CharField(max_length=120, help_text="For you only, e.g. Holiday, Course.")
    first_day = models.DateField()
    last_day = models.DateField(help_text="The same as the first day for a single day.")
    from_time = models.TimeField(
        blank=True, null=True, help_text="On the first day. Leave empty for the whole day."
    )
    until_time = models.TimeField(
        blank=True, null=True, help_text="On the last day. Leave empty for the whole day."
    )

    panels = [
        FieldPanel("reason"),
        FieldRowPanel([FieldPanel("first_day"), FieldPanel("from_time")]),
        FieldRowPanel([FieldPanel("last_day"), FieldPanel("until_time")]),
    ]

    class Meta:
        ordering = ["first_day", "from_time"]
        verbose_name = "time off"
        verbose_name_plural = "time off"

    def __str__(self):
        last = f"{self.last_day.day} {self.last_day:%b %Y}"
        if self.first_day == self.last_day:
            return f"{self.reason}: {last}"
        return f"{self.reason}: {self.first_day.day} {self.first_day:%b} to {last}"

    def clean(self):
        if self.first_day and self.last_day:
            starts = dt.datetime.combine(self.first_day, self.from_time or dt.time.min)
            ends = dt.datetime.combine(self.last_day, self.until_time or dt.time.max)
            if ends <= starts:
                raise ValidationError({"last_day": "This must come after the start."})

    def interval(self, zone) -> Interval:
        return local_days(
            self.first_day, self.last_day, zone, starts=self.from_time, ends=self.until_time
        )


class BusyCalendarCopy(models.Model):
    """The last good copy of her busy calendar, and how its last reading went. One row."""

    source_url = models.CharField(max_length=2000, blank=True, editable=False)
    busy = models.JSONField(
        default=list, help_text="Busy intervals as [start, end] pairs of ISO times in UTC."
    )
    read_at = models.DateTimeField(null=True, blank=True)
    tried_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "busy calendar copy"

    def __str__(self):
        return "Busy calendar copy"

    def intervals(self) -> list[Interval]:
        return [
            (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
            for start, end in self.busy
        ]
