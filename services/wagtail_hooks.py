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
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.forms.utils import get_form_types, get_forms_for_user
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy

from home.spreadsheets import FormulaSafeExportMixin, FormulaSafeSubmissionsListView

from . import notifications, week
from .booking_sources import BookingSourcesPanel
from .desk_admin import BookingEditView, BookingInspectView, DecisionView
from .exports import BookingExportMixin, ExportOptionsView
from .models import BookingRequest, Notification, QuarantinedSubmission, ServicePage

PRACTICE_STAFF = "Practice staff"


def is_practice_staff(user) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=PRACTICE_STAFF).exists()


# -- the permission rules ----------------------------------------------------------


class StaffOnlyPolicy(ModelPermissionPolicy):
    """Requests are created only by visitors; only practice staff and superusers see them."""

    def user_has_permission(self, user, action):
        if action == "add" or not is_practice_staff(user):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


@hooks.register("filter_form_submissions_for_user")
def form_submissions_for_practice_staff(user, editable_forms):
    """Contact messages, like booking requests, are for practice staff and superusers only."""
    if not is_practice_staff(user):
        return editable_forms.none()
    return Page.objects.filter(content_type__in=get_form_types())


class ContactMessagesView(FormulaSafeSubmissionsListView):
    """The contact page's messages (``ContactPage.get_submissions_list_view_class``).

    Exported through the site's formula-safe writer. Its trail leads home, not through
    Wagtail's "Forms" list, which bounces practice staff to the dashboard.
    """

    page_title = "Contact messages"

    def get_breadcrumbs_items(self):
        here = {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()}
        return [*self.breadcrumbs_items, here]


@hooks.register("construct_main_menu")
def contact_messages_instead_of_forms(request, menu_items):
    """Wagtail's "Forms" list needs page permissions that practice staff do not have, so for
    them it bounced to the dashboard. The menu leads straight to the messages instead."""
    menu_items[:] = [item for item in menu_items if item.name != "forms"]
    form_pages = list(get_forms_for_user(request.user).order_by("title"))
    for form_page in form_pages:
        single = len(form_pages) == 1
        menu_items.append(
            MenuItem(
                "Contact messages" if single else f"Messages: {form_page.title}",
                reverse("wagtailforms:list_submissions", args=[form_page.pk]),
                name="contact-messages" if single else f"messages-{form_page.pk}",
                icon_name="mail",
                order=BookingRequestViewSet.menu_order + 1,
            )
        )


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
    status = django_filters.MultipleChoiceFilter(
        choices=BookingRequest.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    service = django_filters.ModelChoiceFilter(
        queryset=ServicePage.objects.order_by("title"), label="Treatment"
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="Received", widget=DateRangePickerWidget
    )
    window_1_start = django_filters.DateFromToRangeFilter(
        label="First choice date", widget=DateRangePickerWidget
    )

    class Meta:
        model = BookingRequest
        fields = ["when", "status", "service", "created_at", "window_1_start"]

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
    """Requests are never edited as a form: decisions go through ``services.desk_admin``."""

    class Meta:
        model = BookingRequest
        fields: list[str] = []


class BookingIndexView(FormulaSafeExportMixin, BookingExportMixin, generic.IndexView):
    """The list, and its CSV and XLSX export (``services.exports``) through the site's one
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

    cell_template_name = "services/admin/client_cell.html"

    class Media:
        css = {"all": ["services/admin/booking-list.css"]}


class WhenColumn(Column):
    """The confirmed appointment, or else the client's first choice, as a date and time."""

    cell_template_name = "services/admin/when_cell.html"

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
    # The request's page, with its decisions (services/desk_admin.py); the old edit form,
    # which changed the status, now leads there.
    inspect_view_class = BookingInspectView
    edit_view_class = BookingEditView
    filterset_class = BookingRequestFilterSet
    search_fields = ["name", "email", "phone", "service_title"]
    search_backend_name = None
    list_per_page = 50
    # The export's columns are services.exports.COLUMNS: no health notes unless she asks.
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
                accessor="get_status_display",
                primary=lambda booking: booking.status == BookingRequest.Status.NEW,
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


class QuarantineViewSet(ModelViewSet):
    """Posts caught by the honeypot or the fill time: kept for a look, never emailed."""

    model = QuarantinedSubmission
    icon = "warning"
    menu_label = "Quarantined spam"
    menu_order = 152  # after the contact messages
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["reason"]
    list_display = ["__str__", "form", "reason", "email", DateColumn("created_at")]
    list_filter = ["form", "reason"]
    inspect_view_fields = ["form", "reason", "email", "data", "created_at"]

    @property
    def permission_policy(self):
        return ReadOnlyStaffPolicy(self.model)


class ReadOnlyStaffPolicy(StaffOnlyPolicy):
    def user_has_permission(self, user, action):
        if action in ("change", "add"):
            return False
        return super().user_has_permission(user, action)


booking_request_viewset = BookingRequestViewSet("booking_requests")
quarantine_viewset = QuarantineViewSet("quarantined_submissions")


@hooks.register("register_admin_viewset")
def register_booking_viewsets():
    return [booking_request_viewset, quarantine_viewset]


# -- the dashboard panel -----------------------------------------------------------


class NewBookingRequestsPanel(Component):
    name = "new_booking_requests"
    order = 50

    def __init__(self, request):
        self.request = request

    def render_html(self, parent_context=None):
        new = BookingRequest.objects.filter(status=BookingRequest.Status.NEW)
        # Due for longer than a worker could take: the worker is not running, or SMTP is down.
        # Failed emails are counted apart, below.
        unsent = Notification.objects.filter(
            status=Notification.Status.PENDING,
            next_attempt_at__lt=timezone.now() - notifications.STALE_CLAIM,
        )
        return render_to_string(
            "services/admin/new_booking_requests_panel.html",
            {
                "requests": new.order_by("created_at")[:10],
                "count": new.count(),
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
    if is_practice_staff(request.user) and request.user.has_perm("services.view_bookingrequest"):
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
    stylesheet = static("services/admin/booking-week.css")
    return format_html('<link rel="stylesheet" href="{}">', stylesheet)


@hooks.register("construct_homepage_panels")
def add_upcoming_appointments_panel(request, panels):
    if is_practice_staff(request.user) and request.user.has_perm("services.view_bookingrequest"):
        panels.append(week.UpcomingAppointmentsPanel(request))


@hooks.register("construct_homepage_panels")
def add_booking_sources_panel(request, panels):
    """Bookings per treatment and the pages they came from (services/booking_sources.py)."""
    if is_practice_staff(request.user) and request.user.has_perm("services.view_bookingrequest"):
        panels.append(BookingSourcesPanel())
