"""The therapist's view of booking requests: list, filters, detail, decisions, CSV, dashboard."""

import datetime

import django_filters
from django import forms
from django.db import models
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.forms.utils import get_forms_for_user

from staff_access.practice_staff import StaffOnlyPolicy, is_practice_staff

from . import notifications, week
from .booking_sources import BookingSourcesPanel
from .desk_admin import BookingEditView, BookingInspectView, DecisionView
from .exports import BookingExportMixin, ExportOptionsView
from .models import BookingRequest, Notification
from .spreadsheets import FormulaSafeExportMixin

# -- the booking request viewset ---------------------------------------------------


def with_start(queryset):
    """Each request's time: the confirmed appointment's start, else the first choice's."""
    chosen_window_start = models.Case(
        models.When(confirmed_window=2, then="window_2_start"),
        models.When(confirmed_window=3, then="window_3_start"),
        default="window_1_start",
    )
    return queryset.annotate(starts_at=Coalesce("appointment_start", chosen_window_start))


def start_of_today():
    zone = timezone.get_default_timezone()
    today = timezone.localdate(timezone=zone)
    return datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)


def time_span(start, end) -> str:
    """Like "Tue 8 Dec 2026, 10:00–12:00", in the practice's time zone."""
    zone = timezone.get_default_timezone()
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    end_format = "H:i" if start.date() == end.date() else "D j M Y, H:i"
    return f"{dateformat.format(start, 'D j M Y, H:i')}–{dateformat.format(end, end_format)}"


def treatments(request):
    """The treatment pages, by the booking's own foreign key: ``bookings`` never imports
    ``services``."""
    return BookingRequest.service.field.related_model.objects.order_by("title")


class BookingRequestFilterSet(WagtailFilterSet):
    when = django_filters.ChoiceFilter(
        label="When",
        choices=[
            ("upcoming_confirmed", "Confirmed, today and later"),
            ("upcoming", "Today and later"),
            ("past", "Before today"),
        ],
        empty_label="Any time",
        method="filter_when",
    )
    needs_you = django_filters.ChoiceFilter(
        label="Needs you",
        choices=[("yes", "Needs you: the client asked for another time")],
        empty_label="Any",
        method="filter_needs_you",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=BookingRequest.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    service = django_filters.ModelChoiceFilter(queryset=treatments, label="Treatment")
    created_at = django_filters.DateFromToRangeFilter(
        label="Received", widget=DateRangePickerWidget
    )
    window_1_start = django_filters.DateFromToRangeFilter(
        label="First choice date", widget=DateRangePickerWidget
    )

    class Meta:
        model = BookingRequest
        fields = ["when", "needs_you", "status", "service", "created_at", "window_1_start"]

    def filter_needs_you(self, queryset, name, value):
        return queryset.filter(needs_you_since__isnull=False) if value == "yes" else queryset

    def filter_when(self, queryset, name, value):
        today = start_of_today()
        if value == "past":
            return queryset.filter(starts_at__lt=today)
        queryset = queryset.filter(starts_at__gte=today)
        if value == "upcoming_confirmed":
            queryset = queryset.filter(status=BookingRequest.Status.CONFIRMED)
        if not self.data.get("ordering"):
            queryset = queryset.order_by("starts_at", "pk")  # the next one first
        return queryset


class NoFieldsForm(WagtailAdminModelForm):
    """Requests are never edited as a form: decisions go through ``bookings.desk_admin``."""

    class Meta:
        model = BookingRequest
        fields: list[str] = []


class BookingIndexView(FormulaSafeExportMixin, BookingExportMixin, generic.IndexView):
    """The list, and its CSV and XLSX export (``bookings.exports``) through the site's one
    formula-safe writer."""


# What the visitor asked for, in the order the therapist reads it.
REQUEST_FIELDS = [
    "service_title",
    "session_minutes",
    "name",
    "email",
    "phone",
    "client_type",
    "window_1_start",
    "window_1_end",
    "window_2_start",
    "window_2_end",
    "window_3_start",
    "window_3_end",
    "confirmed_window",
]


class ClientColumn(TitleColumn):
    """The client's name, linked to the request, above its number and treatment."""

    cell_template_name = "bookings/admin/client_cell.html"

    class Media:
        css = {"all": ["bookings/admin/booking-list.css"]}


class WhenColumn(Column):
    """The confirmed appointment, or else the client's first choice, as a date and time."""

    cell_template_name = "bookings/admin/when_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        appointment = None
        if instance.status == BookingRequest.Status.CONFIRMED:
            appointment = instance.chosen_window()
        context["value"] = time_span(
            *(appointment or (instance.window_1_start, instance.window_1_end))
        )
        context["is_first_choice"] = appointment is None
        return context


def status_label(booking) -> str:
    """The status, and "needs you" while the client's ask for another time waits."""
    status = booking.get_status_display()
    return f"{status}, needs you" if booking.needs_you else status


def emails_state(booking) -> str:
    state = booking.notification_state
    return Notification.Status(state).label if state in Notification.Status else "None"


# Hidden on a phone: the listing then fits 390 px without scrolling sideways.
SECONDARY = "booking-list__secondary"


class BookingRequestViewSet(ModelViewSet):
    model = BookingRequest
    icon = "date"
    menu_label = "Booking requests"
    menu_order = 150
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = BookingIndexView
    # The request's page, with its decisions (bookings/desk_admin.py); the old edit form,
    # which changed the status, now leads there.
    inspect_view_class = BookingInspectView
    edit_view_class = BookingEditView
    filterset_class = BookingRequestFilterSet
    search_fields = ["name", "email", "phone", "service_title"]
    search_backend_name = None
    list_per_page = 50
    # The exports' files are named "booking-requests-<day>" (bookings.exports).
    export_filename = "booking-requests"
    # The export's columns are bookings.exports.COLUMNS: no health notes unless she asks.
    inspect_view_fields = [
        "created_at",
        "status",
        "status_changed_at",
        *REQUEST_FIELDS,
        "session_price",
        "appointment_start",
        "notes",
        "notes_consent_at",
        "notes_consent_version",
        "notification_state",
    ]

    @property
    def permission_policy(self):
        return StaffOnlyPolicy(self.model)

    @property
    def list_display(self):
        # Every row opens the request's full page; its "Edit" button leads to the decision.
        inspect = self.get_url_name("inspect")
        return [
            ClientColumn("name", label="Client", url_name=inspect, sort_key="name"),
            WhenColumn("starts_at", label="When", sort_key="starts_at"),
            StatusTagColumn(
                "status",
                label="Status",
                accessor=status_label,
                primary=lambda booking: (
                    booking.status == BookingRequest.Status.NEW or booking.needs_you
                ),
            ),
            DateColumn("created_at", label="Received", sort_key="created_at", classname=SECONDARY),
            Column("emails", label="Emails", accessor=emails_state, classname=SECONDARY),
        ]

    def get_index_view_kwargs(self, **kwargs):
        queryset = with_start(BookingRequest.objects.prefetch_related("notifications"))
        return super().get_index_view_kwargs(queryset=queryset, **kwargs)

    def get_form_class(self, for_update=False):
        return NoFieldsForm

    @property
    def decision_view(self):
        return self.construct_view(DecisionView)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("decide/<int:pk>/<slug:action>/", self.decision_view, name="decide"),
        ]


booking_request_viewset = BookingRequestViewSet("booking_requests")


@hooks.register("register_admin_viewset")
def register_booking_viewset():
    return booking_request_viewset


# -- the dashboard panel -----------------------------------------------------------


class NewBookingRequestsPanel(Component):
    name = "new_booking_requests"
    order = 50

    def __init__(self, request):
        self.request = request

    def render_html(self, parent_context=None):
        new = BookingRequest.objects.filter(status=BookingRequest.Status.NEW)
        needs_you = BookingRequest.objects.filter(needs_you_since__isnull=False)
        # Due for longer than a worker could take: the worker is not running, or SMTP is down.
        # Failed emails are counted apart, below.
        unsent = Notification.objects.filter(
            status=Notification.Status.PENDING,
            next_attempt_at__lt=timezone.now() - notifications.STALE_CLAIM,
        )
        return render_to_string(
            "bookings/admin/new_booking_requests_panel.html",
            {
                "requests": new.order_by("created_at")[:10],
                "count": new.count(),
                "needs_you": needs_you.order_by("needs_you_since")[:10],
                "needs_you_count": needs_you.count(),
                "unsent_count": unsent.count(),
                "failed_count": Notification.objects.filter(
                    status=Notification.Status.FAILED
                ).count(),
                "form_pages": get_forms_for_user(self.request.user).order_by("title"),
                "index_url": booking_request_viewset.get_url_name("index"),
                "inspect_url": booking_request_viewset.get_url_name("inspect"),
            },
            request=self.request,
        )


@hooks.register("construct_homepage_panels")
def add_new_booking_requests_panel(request, panels):
    if is_practice_staff(request.user) and request.user.has_perm("bookings.view_bookingrequest"):
        panels.append(NewBookingRequestsPanel(request))


# -- the week at a glance, the calendar feed's page and the download page ------------------


@hooks.register("register_admin_urls")
def register_week_urls():
    policy = booking_request_viewset.permission_policy
    return [
        path(
            "booking_requests/week/",
            week.WeekView.as_view(permission_policy=policy),
            name="booking_week",
        ),
        path(
            "booking_requests/calendar/",
            week.CalendarFeedView.as_view(permission_policy=policy),
            name="booking_calendar_feed_admin",
        ),
        path(
            "booking_requests/download/",
            ExportOptionsView.as_view(permission_policy=policy),
            name="booking_export_options",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_week_menu_item():
    return week.StaffMenuItem(
        "Week at a glance",
        reverse("booking_week"),
        name="booking-week",
        icon_name="calendar",
        # Below the requests; the contact messages share the order but are added after it.
        order=BookingRequestViewSet.menu_order + 1,
        permission_policy=booking_request_viewset.permission_policy,
    )


@hooks.register("insert_global_admin_css")
def booking_week_css():
    stylesheet = static("bookings/admin/booking-week.css")
    return format_html('<link rel="stylesheet" href="{}">', stylesheet)


@hooks.register("construct_homepage_panels")
def add_upcoming_appointments_panel(request, panels):
    if is_practice_staff(request.user) and request.user.has_perm("bookings.view_bookingrequest"):
        panels.append(week.UpcomingAppointmentsPanel(request))


@hooks.register("construct_homepage_panels")
def add_booking_sources_panel(request, panels):
    """Bookings per treatment and the pages they came from (bookings/booking_sources.py)."""
    if is_practice_staff(request.user) and request.user.has_perm("bookings.view_bookingrequest"):
        panels.append(BookingSourcesPanel())
