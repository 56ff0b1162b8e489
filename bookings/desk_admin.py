"""The booking desk in the admin: a request's page, read like a message, and its decisions.

``BookingInspectView`` is the request's page: who, what, when, the health notes (for those
allowed to read the request at all: practice staff and superusers, as before), the history
and the emails. Each decision (Confirm or move, Decline, Cancel, Complete) is a
``DecisionView`` in three steps: the form with an optional personal note, then the very
email the client will get (rendered from the worker's template) to check, then the change
(``bookings.desk``). No script of its own: plain forms and Wagtail's admin styles.
"""

import datetime

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from . import desk
from .admin_breadcrumbs import UnderBookingRequestsMixin
from .models import BookingRequest

Status = BookingRequest.Status

# The decisions, with what each is called and when it is offered.
ACTIONS = {
    "confirm": ("Confirm", "Confirm and send", (Status.NEW,)),
    "move": ("Move", "Move and send the new time", (Status.CONFIRMED,)),
    "decline": ("Decline", "Decline and send", (Status.NEW,)),
    "cancel": ("Cancel appointment", "Cancel and send", (Status.CONFIRMED,)),
    "complete": ("Complete", "Mark completed", (Status.CONFIRMED,)),
    "answer": ("Keep the time", "Mark the client's ask answered", (Status.CONFIRMED,)),
}
# "move" is a confirm on a confirmed appointment: the same change in bookings.desk.
DESK_ACTION = {"move": "confirm"}


def local(moment):
    return timezone.localtime(moment, timezone.get_default_timezone())


def long_span(start, end) -> str:
    """Like "Tuesday 8 December, 10:00–12:00" in the practice's time zone (with the
    year when it is not this year's)."""
    start, end = local(start), local(end)
    day = "l j F" if start.year == local(timezone.now()).year else "l j F Y"
    until = "H:i" if start.date() == end.date() else f"{day}, H:i"
    return f"{dateformat.format(start, day)}, {dateformat.format(start, 'H:i')}–{dateformat.format(end, until)}"


def long_moment(moment) -> str:
    moment = local(moment)
    day = "l j F" if moment.year == local(timezone.now()).year else "l j F Y"
    return f"{dateformat.format(moment, day)}, {dateformat.format(moment, 'H:i')}"


def tel_href(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def offered_actions(booking) -> list[str]:
    """The decisions the desk would accept now: "Complete" once the appointment has begun,
    "Keep the time" while the client's ask for another time waits for her."""
    offered = []
    for name, (_, _, states) in ACTIONS.items():
        if booking.status not in states:
            continue
        try:
            if name == "complete":
                desk.check_complete(booking)
            elif name == "answer":
                desk.check_answer(booking)
        except desk.TransitionError:
            continue
        offered.append(name)
    return offered


class BookingEditView(generic.EditView):
    """The old way (status edited in a form) is gone: decisions are made on the request's
    page, where each shows its email first. The old address leads there."""

    def get(self, request, *args, **kwargs):
        return redirect("booking_requests:inspect", self.get_object().pk)

    post = get


class BookingInspectView(generic.InspectView):
    template_name = "bookings/admin/booking_request.html"

    def get_page_title(self):
        return f"Booking request {self.object.number}"

    def get_page_subtitle(self):
        return self.object.name

    @cached_property
    def header_more_buttons(self):
        buttons = []
        if delete_url := self.get_delete_url():
            buttons.append(Button("Delete", url=delete_url, icon_name="bin", priority=20))
        return buttons

    def decision_links(self) -> list[dict]:
        if not self.user_has_permission("change"):
            return []
        return [
            {
                "name": name,
                "label": ACTIONS[name][0],
                "url": reverse("booking_requests:decide", args=[self.object.pk, name]),
            }
            for name in offered_actions(self.object)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.object
        appointment = (
            booking.chosen_window()
            if booking.appointment_start or booking.confirmed_window
            else None
        )
        context.update(
            booking=booking,
            windows=[
                {"number": number, "text": long_span(start, end)}
                for number, start, end in booking.windows()
            ],
            appointment=long_span(*appointment) if appointment else "",
            received=long_moment(booking.created_at),
            tel_href=tel_href(booking.phone),
            # The same rule as before this page was rewritten: whoever may open a request
            # (practice staff, superusers) reads its notes; nobody else reaches this page.
            show_health_notes=self.user_has_permission("view"),
            consent_at=long_moment(booking.notes_consent_at) if booking.notes_consent_at else "",
            events=[
                {
                    "label": event.get_action_display(),
                    "who": "The client, with their link"
                    if event.by_client
                    else (event.actor.get_full_name() or event.actor.get_username())
                    if event.actor
                    else "Someone no longer on the staff",
                    "when": long_moment(event.created_at),
                    "appointment": long_moment(event.appointment_start)
                    if event.appointment_start
                    else "",
                    "note": event.note,
                }
                for event in booking.events.select_related("actor")
            ],
            emails=[
                {
                    "kind": row.get_kind_display(),
                    "state": row.get_status_display(),
                    "at": long_moment(row.sent_at or row.next_attempt_at),
                    "sent": bool(row.sent_at),
                }
                for row in booking.notifications.order_by("created_at", "pk")
            ],
            decisions=self.decision_links(),
            client_ask=booking.events.filter(action="client_move").last()
            if booking.needs_you
            else None,
        )
        return context


# -- the decisions --------------------------------------------------------------------------


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Personal note to the client (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Added to the email. Never write health details here: email is not private.",
    )
    sequence = forms.IntegerField(widget=forms.HiddenInput)


class NoteToHistoryForm(DecisionForm):
    """For a decision that sends the client nothing (keeping the time after their ask)."""

    note = forms.CharField(
        label="Note for the request's history (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown only on this page, to the staff. Nothing is sent to the client.",
    )


class NoNoteForm(DecisionForm):
    """For completing without a thank-you: no email, so no note to ask for."""

    note = None


class ConfirmForm(DecisionForm):
    """One of the client's times (at its start), or another date and time she types."""

    OTHER = "other"

    choice = forms.ChoiceField(label="Time", widget=forms.RadioSelect)
    other_date = forms.DateField(
        label="Another date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    other_time = forms.TimeField(
        label="Another start time", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    field_order = ["choice", "other_date", "other_time", "note", "sequence"]

    def __init__(self, *args, booking, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking = booking
        self.starts = {str(number): start for number, start, _end in booking.windows()}
        self.fields["choice"].choices = [
            (
                str(number),
                f"Choice {number}: {long_span(start, end)}, starting at {local(start):%H:%M}",
            )
            for number, start, end in booking.windows()
        ] + [(self.OTHER, "Another time (below)")]

    def clean(self):
        data = super().clean()
        choice = data.get("choice")
        if choice == self.OTHER:
            if not data.get("other_date") or not data.get("other_time"):
                raise forms.ValidationError("Type the date and start time of the other time.")
            data["start"] = datetime.datetime.combine(
                data["other_date"], data["other_time"], tzinfo=timezone.get_default_timezone()
            )
        elif choice in self.starts:
            data["start"] = self.starts[choice]
        return data


class DecisionView(
    UnderBookingRequestsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """One decision: form, then the client's email to check, then the change."""

    permission_policy = None
    permission_required = "change"
    template_name = "bookings/admin/booking_decision.html"
    header_icon = "date"
    _show_breadcrumbs = True

    def setup(self, request, *args, pk, action, **kwargs):
        super().setup(request, *args, **kwargs)
        if action not in ACTIONS:
            raise Http404
        self.action = action
        self.booking = get_object_or_404(BookingRequest, pk=pk)

    @property
    def inspect_url(self):
        return reverse("booking_requests:inspect", args=[self.booking.pk])

    def get_page_title(self):
        return f"{ACTIONS[self.action][0]}: booking request {self.booking.number}"

    def breadcrumbs_between(self):
        return [{"url": self.inspect_url, "label": f"{self.booking.number} {self.booking.name}"}]

    def breadcrumb_label(self):
        return ACTIONS[self.action][0]

    def make_form(self, data=None):
        initial = {"sequence": self.booking.calendar_sequence}
        if self.action in ("confirm", "move"):
            if self.action == "move":
                initial["choice"] = ConfirmForm.OTHER
            return ConfirmForm(data, initial=initial, booking=self.booking)
        if self.action == "answer":
            return NoteToHistoryForm(data, initial=initial)
        if self.action == "complete" and desk.proposed(self.booking, "complete")[1] is None:
            return NoNoteForm(data, initial=initial)
        return DecisionForm(data, initial=initial)

    def check(self, sequence, start=None):
        """Refuse, before any preview, what the change itself would refuse."""
        if sequence != self.booking.calendar_sequence:
            raise desk.TransitionError(desk.CHANGED_MEANWHILE)
        if self.booking.status not in ACTIONS[self.action][2]:
            raise desk.TransitionError(
                f"A {self.booking.get_status_display().lower()} request cannot be changed this way."
            )
        if self.action in ("confirm", "move"):
            desk.check_confirm(self.booking, start)
        else:
            getattr(desk, f"check_{self.action}")(self.booking)

    def get(self, request, *args, **kwargs):
        return self.show(self.make_form(), step="form")

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid() or "edit" in request.POST:
            return self.show(form, step="form")
        start = form.cleaned_data.get("start")
        try:
            self.check(form.cleaned_data["sequence"], start)
        except desk.TransitionError as error:
            form.add_error(None, str(error))
            return self.show(form, step="form")
        note = form.cleaned_data.get("note", "")
        if "send" not in request.POST:
            return self.show(form, step="preview", start=start)
        change = getattr(desk, DESK_ACTION.get(self.action, self.action))
        args = (start,) if start is not None else ()
        try:
            change(
                self.booking,
                *args,
                by=request.user,
                note=note,
                expected_sequence=form.cleaned_data["sequence"],
            )
        except desk.TransitionError as error:
            form.add_error(None, str(error))
            return self.show(form, step="form")
        messages.success(request, self.done_message())
        return redirect(self.inspect_url)

    def done_message(self) -> str:
        booking = BookingRequest.objects.get(pk=self.booking.pk)
        email = (
            " The client's email is on its way."
            if self.action != "answer"
            and booking.notifications.filter(sequence=booking.calendar_sequence)
            .exclude(kind="booking_reminder")
            .exists()
            else ""
        )
        done = {
            "confirm": "Confirmed",
            "move": "Moved",
            "decline": "Declined",
            "cancel": "Cancelled",
            "complete": "Completed",
            "answer": "Answered, the time kept",
        }[self.action]
        return f"{done}: booking request {booking.number}.{email}"

    def show(self, form, step, start=None):
        note = form.cleaned_data.get("note", "") if form.is_bound and form.is_valid() else ""
        desk_action = DESK_ACTION.get(self.action, self.action)
        context = self.get_context_data(
            form=form,
            step=step,
            booking=self.booking,
            action=self.action,
            submit_label=ACTIONS[self.action][1],
            cancel_url=self.inspect_url,
        )
        if step == "preview":
            context["email"] = desk.preview_email(self.booking, desk_action, start, note)
            context["warnings"] = desk.warnings_for_start(self.booking, start) if start else []
            context["start_text"] = (
                long_span(start, start + datetime.timedelta(minutes=self.booking.session_minutes))
                if start
                else ""
            )
        return self.render_to_response(context)
