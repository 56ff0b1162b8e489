"""The therapist's week at a glance: the admin's week view and the dashboard's next two days.

Confirmed appointments are shown at their start; open requests (still "new") at the
client's first choice, marked as a request. Days are the practice's days (its time zone,
``TIME_ZONE``), so a week across a change of the clocks still runs Monday to Sunday.
Never the health notes: this is a page glanced at, often on a phone.
"""

import dataclasses
import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from .admin_breadcrumbs import UnderBookingRequestsMixin
from .appointments import (
    appointments_between,
    local_midnight,
    open_requests_between,
    practice_zone,
)
from .calendar_feed import HISTORY
from .models import BookingRequest, CalendarFeed

INSPECT_URL_NAME = "booking_requests:inspect"


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclasses.dataclass(frozen=True)
class Entry:
    """One line of the week: an appointment, or a request at its first choice."""

    booking: BookingRequest
    start: datetime.datetime  # in the practice's time zone
    end: datetime.datetime
    is_request: bool

    @property
    def url(self) -> str:
        return reverse(INSPECT_URL_NAME, args=[self.booking.pk])

    @property
    def time_label(self) -> str:
        """Like 10:00–11:00, in the practice's time zone (never the viewer's own)."""
        end_format = "H:i" if self.end.date() == self.start.date() else "D j M, H:i"
        return f"{dateformat.format(self.start, 'H:i')}–{dateformat.format(self.end, end_format)}"


def appointment_entry(booking) -> Entry:
    zone = practice_zone()
    # Added in UTC: a session that runs across a change of the clocks keeps its length.
    end = booking.appointment_at + datetime.timedelta(minutes=booking.session_minutes)
    start = timezone.localtime(booking.appointment_at, zone)
    return Entry(booking, start, timezone.localtime(end, zone), is_request=False)


def request_entry(booking) -> Entry:
    zone = practice_zone()
    start = timezone.localtime(booking.window_1_start, zone)
    return Entry(booking, start, timezone.localtime(booking.window_1_end, zone), is_request=True)


@dataclasses.dataclass(frozen=True)
class Day:
    date: datetime.date
    entries: list[Entry]
    is_today: bool


def entries_between(start: datetime.datetime, end: datetime.datetime) -> list[Entry]:
    entries = [appointment_entry(b) for b in appointments_between(start, end)]
    entries += [request_entry(b) for b in open_requests_between(start, end)]
    return sorted(entries, key=lambda entry: (entry.start, entry.is_request, entry.booking.pk))


def days_of(first: datetime.date, count: int) -> list[Day]:
    """``count`` days from ``first``, each with its entries in order of time."""
    dates = [first + datetime.timedelta(days=n) for n in range(count)]
    # Midnight to midnight in the practice's zone: 23 or 25 hours when the clocks change.
    end = local_midnight(dates[-1] + datetime.timedelta(days=1))
    entries = entries_between(local_midnight(dates[0]), end)
    today = timezone.localdate(timezone=practice_zone())
    return [
        Day(day, [e for e in entries if e.start.date() == day], is_today=day == today)
        for day in dates
    ]


# -- the admin's week view ---------------------------------------------------------


class WeekForm(forms.Form):
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean_week(self):
        week = self.cleaned_data["week"]
        # Far enough for any booking; the week before and after must still be dates.
        if week and not 1900 <= week.year <= 2200:
            raise forms.ValidationError("Choose a week between 1900 and 2200.")
        return week


class WeekView(
    UnderBookingRequestsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """``?week=YYYY-MM-DD`` shows the week holding that day; without it, this week."""

    permission_required = "view"
    template_name = "bookings/admin/week.html"
    page_title = "Week at a glance"
    header_icon = "calendar"
    index_url_name = "booking_requests:index"
    calendar_feed_url_name = "booking_calendar_feed_admin"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = WeekForm(self.request.GET)
        today = timezone.localdate(timezone=practice_zone())
        chosen = form.cleaned_data["week"] if form.is_valid() else None
        monday = monday_of(chosen or today)
        sunday = monday + datetime.timedelta(days=6)
        days = days_of(monday, 7)
        context.update(
            {
                "days": days,
                "monday": monday,
                "sunday": sunday,
                "is_this_week": monday == monday_of(today),
                "bad_week": not form.is_valid(),
                "week_url": reverse("booking_week"),
                "previous_week": (monday - datetime.timedelta(days=7)).isoformat(),
                "next_week": (monday + datetime.timedelta(days=7)).isoformat(),
                "appointment_count": sum(not e.is_request for d in days for e in d.entries),
                "request_count": sum(e.is_request for d in days for e in d.entries),
                "index_url": reverse(self.index_url_name),
                "calendar_feed_url": reverse(self.calendar_feed_url_name),
                "time_zone": str(practice_zone()),
            }
        )
        return context


# -- the calendar feed's page -------------------------------------------------------


class CalendarFeedView(
    UnderBookingRequestsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """The feed's address to copy, how to subscribe, and a button for a new address."""

    permission_required = "view"
    template_name = "bookings/admin/week_calendar_feed.html"
    page_title = "Your phone's calendar"
    header_icon = "calendar"

    def breadcrumbs_between(self):
        return [{"url": reverse("booking_week"), "label": WeekView.page_title}]

    def post(self, request):
        # A new address is a change to how bookings are reached: those who decide them.
        if not self.user_has_permission("change"):
            raise PermissionDenied
        had_feed = CalendarFeed.current() is not None
        CalendarFeed.replace_token()
        messages.success(
            request,
            "Your calendar has a new address. The old one no longer works: subscribe again "
            "on every phone or computer that used it."
            if had_feed
            else "Your calendar address is ready.",
        )
        return redirect("booking_calendar_feed_admin")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = CalendarFeed.current()
        if feed:
            url = settings.PUBLIC_URL + feed.get_absolute_url()
            context["feed_url"] = url
            context["webcal_url"] = "webcal://" + url.split("://", 1)[1]
        context["can_change"] = self.user_has_permission("change")
        context["history_days"] = HISTORY.days
        return context


class StaffMenuItem(MenuItem):
    """A menu item shown only to those the booking requests' permission policy lets view."""

    def __init__(self, *args, permission_policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission_policy = permission_policy

    def is_shown(self, request):
        return self.permission_policy.user_has_permission(request.user, "view")


# -- the dashboard's next two days --------------------------------------------------


class UpcomingAppointmentsPanel(Component):
    """Today's and tomorrow's confirmed appointments, for staff who may see bookings."""

    name = "upcoming_appointments"
    order = 40  # above the new requests: what is happening comes first

    def __init__(self, request):
        self.request = request

    def render_html(self, parent_context=None):
        today = timezone.localdate(timezone=practice_zone())
        labelled = []
        for label, day in zip(("Today", "Tomorrow"), days_of(today, 2), strict=True):
            appointments = [entry for entry in day.entries if not entry.is_request]
            labelled.append((label, day.date, appointments))
        return render_to_string(
            "bookings/admin/upcoming_appointments_panel.html",
            {"days": labelled, "week_url": reverse("booking_week")},
            request=self.request,
        )
