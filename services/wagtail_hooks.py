"""The therapist's view of booking requests: list, filters, detail, decisions, CSV, dashboard."""

import django_filters
from django import forms
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.forms.utils import get_form_types, get_forms_for_user
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy

from . import notifications
from .models import BookingRequest, Notification, QuarantinedSubmission, ServicePage

PRACTICE_STAFF = "Practice staff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_practice_staff(user) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=PRACTICE_STAFF).exists()


def neutralise_formula(value):
    """A cell a spreadsheet would run as a formula starts with a quote instead."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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


# -- the booking request viewset ---------------------------------------------------


class BookingRequestFilterSet(WagtailFilterSet):
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
        fields = ["status", "service", "created_at", "window_1_start"]


class BookingDecisionForm(WagtailAdminModelForm):
    class Meta:
        model = BookingRequest
        fields = ["status", "confirmed_window", "appointment_start"]

    def clean(self):
        data = super().clean()
        if data.get("status") == BookingRequest.Status.CONFIRMED:
            chosen = data.get("confirmed_window")
            windows = {number: (start, end) for number, start, end in self.instance.windows()}
            if chosen not in windows:
                self.add_error(
                    "confirmed_window", "Choose which of the client's times you are confirming."
                )
            elif data.get("appointment_start"):
                start, end = windows[chosen]
                if not start <= data["appointment_start"] < end:
                    self.add_error(
                        "appointment_start", "The start must fall inside the chosen time."
                    )
        return data


class BookingIndexView(generic.IndexView):
    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return neutralise_formula(value)


class BookingEditView(generic.EditView):
    """Saving a decision emails the client: a confirmation with a calendar file, or a note."""

    def save_instance(self):
        with transaction.atomic():
            previous = BookingRequest.objects.select_for_update().get(pk=self.object.pk).status
            instance = super().save_instance()
            if instance.status != previous:
                BookingRequest.objects.filter(pk=instance.pk).update(
                    status_changed_at=timezone.now()
                )
                kind = {
                    BookingRequest.Status.CONFIRMED: Notification.Kind.BOOKING_CONFIRMED,
                    BookingRequest.Status.DECLINED: Notification.Kind.BOOKING_DECLINED,
                }.get(instance.status)
                if kind:
                    # One of each, ever: a second click or a change back and forth sends nothing.
                    notifications.create([Notification(booking=instance, kind=kind)])
        return instance


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


class BookingRequestViewSet(ModelViewSet):
    model = BookingRequest
    icon = "date"
    menu_label = "Booking requests"
    menu_order = 150
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = BookingIndexView
    edit_view_class = BookingEditView
    filterset_class = BookingRequestFilterSet
    search_fields = ["name", "email", "phone", "service_title"]
    search_backend_name = None
    list_per_page = 50
    list_display = [
        Column("number", label="Request", accessor="number"),
        "name",
        "service_title",
        "status",
        DateColumn("window_1_start", label="First choice"),
        DateColumn("created_at", label="Received"),
        Column("notification_state", label="Emails", accessor="notification_state"),
    ]
    # The health notes stay out of the export: a spreadsheet travels further than the admin.
    list_export = ["pk", "created_at", "status", *REQUEST_FIELDS]
    export_filename = "booking-requests"
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

    def get_queryset(self, request):
        return BookingRequest.objects.prefetch_related("notifications")

    def get_form_class(self, for_update=False):
        return BookingDecisionForm


class QuarantineViewSet(ModelViewSet):
    """Posts caught by the honeypot or the fill time: kept for a look, never emailed."""

    model = QuarantinedSubmission
    icon = "warning"
    menu_label = "Quarantined spam"
    menu_order = 151
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
        unsent = Notification.objects.filter(
            status__in=[Notification.Status.PENDING, Notification.Status.FAILED],
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
