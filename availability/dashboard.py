"""The dashboard's word on her busy calendar: shown only when it could not be read, or
was not read for a while (the reader is not running)."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.admin.ui.components import Component

from .busy_calendar import current_copy
from .models import AvailabilitySettings

# Read every 5 minutes: a copy older than this means the reader has stopped.
STALE_AFTER = dt.timedelta(hours=1)


def busy_calendar_trouble(now: dt.datetime | None = None) -> dict | None:
    """What is wrong with reading her busy calendar, or None when nothing is."""
    now = now or timezone.now()
    if not AvailabilitySettings.load().busy_calendar_url.strip():
        return None
    copy = current_copy()
    if copy.error:
        return {"error": copy.error, "since": copy.failing_since, "read_at": copy.read_at}
    if copy.read_at is None or copy.read_at < now - STALE_AFTER:
        return {"error": "", "since": None, "read_at": copy.read_at}
    return None


class BusyCalendarPanel(Component):
    name = "busy_calendar"
    order = 40

    def __init__(self, trouble: dict):
        self.trouble = trouble

    def render_html(self, parent_context=None):
        return render_to_string("availability/busy_calendar_panel.html", self.trouble)
