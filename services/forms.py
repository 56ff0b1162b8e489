"""The booking form: what a visitor fills in, and every rule it must pass."""

import datetime
import re

from django import forms
from django.utils import timezone
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from bookings.models import BookingRequest
from home.prices import format_price

from .came_from import clean_path
from .opening_hours import opening_hours_text
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ProtectedFormMixin,
    validate_multi_line,
    validate_single_line,
)

# Every consent wording visitors have been shown, by the version each request stores with
# the notes it agreed to ({practice}: the practice's name in its settings). Never edit one:
# add a new version and point CONSENT_VERSION at it, so a stored version keeps its words.
CONSENT_WORDINGS = {
    "2026-11-health-notes-v1": (
        "I agree that Calm Hands Massage Therapy may store the health notes I have written above."
    ),
    "2026-12-health-notes-v2": (
        "I agree that {practice} may store the health notes I have written above."
    ),
}
CONSENT_VERSION = "2026-12-health-notes-v2"
CONSENT_DETAIL = (
    "What: only the notes you write in the box above. Why: so that your therapist can prepare "
    "a safe treatment for you. How long: your request, with its notes, is deleted 12 months "
    "after you send it. They are never sent by email and are seen only by your therapist. "
    "How to withdraw: email us at any time and we will erase your notes straight away."
)

NOTES_MAX_LENGTH = 2000
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-.]{7,25}$")


# The paragraph beside the time fields that gives the opening hours; the date and time
# inputs name it in their aria-describedby.
OPENING_HOURS_ID = "booking-opening-hours"


class DescribedByMixin:
    """Adds ``described_by`` ids to the input's aria-describedby when it is drawn, after the
    ids of its own error and help (set by ``describe_errors`` just before rendering)."""

    described_by: tuple[str, ...] = ()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.described_by:
            attrs = context["widget"]["attrs"]
            ids = attrs.get("aria-describedby", "").split()
            ids += [id_ for id_ in self.described_by if id_ not in ids]
            attrs["aria-describedby"] = " ".join(ids)
        return context


class DateInput(DescribedByMixin, forms.DateInput):
    input_type = "date"


class TimeInput(DescribedByMixin, forms.TimeInput):
    input_type = "time"


class SessionSelect(forms.Select):
    """The session lengths, grouped by treatment (``<optgroup>``), so that a browser without
    JavaScript shows which treatment each length belongs to. Each option names its treatment
    in ``data-service`` (the treatment's slug, the value of the treatment field), for
    booking-form.js to offer only the chosen treatment's lengths."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.treatment_of: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        slug = self.treatment_of.get(str(value))
        if slug:
            option["attrs"]["data-service"] = slug
        return option


def session_choices(options, currency: str) -> list:
    """Every service's session lengths, grouped by service: works without JavaScript."""
    groups: dict[int, tuple[str, list]] = {}
    for option in options:
        groups.setdefault(option.page_id, (option.page.title, []))[1].append(
            (
                str(option.pk),
                f"{option.duration_minutes} minutes – {format_price(option.price, currency)}",
            )
        )
    return [("", "Choose a session length"), *groups.values()]


def minutes_in_words(minutes: list[int]) -> str:
    """60 minutes; 60 or 90 minutes; 45, 60 or 90 minutes; empty for none."""
    numbers = [str(number) for number in minutes]
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"{numbers[0]} minutes"
    return f"{', '.join(numbers[:-1])} or {numbers[-1]} minutes"


class BookingForm(ProtectedFormMixin, forms.Form):
    opening_hours_id = OPENING_HOURS_ID
    # Health notes: stored only with consent, never in quarantine (services/submissions.py).
    special_category_fields = ("notes",)

    name = forms.CharField(label="Your name", max_length=100, validators=[validate_single_line])
    email = forms.EmailField(label="Email", max_length=254, validators=[validate_single_line])
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        validators=[validate_single_line],
        help_text="In case a time changes, e.g. 07700 900123.",
    )
    service = forms.ModelChoiceField(
        label="Treatment",
        queryset=None,  # the treatments the booking page offers, given when made
        to_field_name="slug",
        empty_label="Choose a treatment",
        error_messages={"invalid_choice": "Please choose one of our treatments."},
    )
    session = forms.ChoiceField(label="Session length", widget=SessionSelect)
    window_1_date = forms.DateField(label="First choice: date", widget=DateInput)
    window_1_from = forms.TimeField(label="First choice: from", widget=TimeInput)
    window_1_until = forms.TimeField(label="First choice: until", widget=TimeInput)
    window_2_date = forms.DateField(label="Second choice: date", widget=DateInput)
    window_2_from = forms.TimeField(label="Second choice: from", widget=TimeInput)
    window_2_until = forms.TimeField(label="Second choice: until", widget=TimeInput)
    window_3_date = forms.DateField(
        label="Third choice: date (optional)", widget=DateInput, required=False
    )
    window_3_from = forms.TimeField(
        label="Third choice: from (optional)", widget=TimeInput, required=False
    )
    window_3_until = forms.TimeField(
        label="Third choice: until (optional)", widget=TimeInput, required=False
    )
    client_type = forms.ChoiceField(
        label="Have you visited us before?",
        choices=BookingRequest.ClientType.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="What would you like help with? (optional)",
        help_text="For example: sciatica in the left leg. Only stored if you tick the consent box below.",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_multi_line],
    )
    notes_consent = forms.BooleanField(help_text=CONSENT_DETAIL, required=False)
    # The page of this site the visitor came from (services/came_from.py); never refused.
    came_from = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_came_from(self):
        return clean_path(self.cleaned_data["came_from"])

    def __init__(self, *args, practice_settings, treatments, sessions, **kwargs):
        """``treatments``: the pages a visitor may book; ``sessions``: their session
        options, each with its page. The booking page hands both."""
        super().__init__(*args, **kwargs)
        self.practice_settings = practice_settings
        self.fields["service"].queryset = treatments
        self._offer_session_lengths(list(sessions), practice_settings.currency)
        # The hours that decide which times are accepted, shown beside the time fields.
        self.opening_hours = opening_hours_text(practice_settings.opening_hours)
        if self.opening_hours:
            for number in (1, 2, 3):
                for part in ("date", "from", "until"):
                    widget = self.fields[f"window_{number}_{part}"].widget
                    widget.described_by = (self.opening_hours_id,)
        self.fields["notes_consent"].label = CONSENT_WORDINGS[CONSENT_VERSION].format(
            practice=practice_settings.name
        )
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def _offer_session_lengths(self, options: list, currency: str) -> None:
        self.fields["session"].choices = session_choices(options, currency)
        self.fields["session"].widget.treatment_of = {
            str(option.pk): option.page.slug for option in options
        }
        # For the error that names the lengths of the chosen treatment.
        self.minutes_offered: dict[int, list[int]] = {}
        for option in options:
            self.minutes_offered.setdefault(option.page_id, []).append(option.duration_minutes)

    @property
    def window_fields(self):
        """(number, date, from, until) bound fields of each preferred time, for the template."""
        return [
            (n, self[f"window_{n}_date"], self[f"window_{n}_from"], self[f"window_{n}_until"])
            for n in (1, 2, 3)
        ]

    @property
    def third_window_started(self) -> bool:
        """Whether the optional third choice holds a value or an error: then it is shown open."""
        names = [f"window_3_{part}" for part in ("date", "from", "until")]
        return any(self[name].value() or self[name].errors for name in names)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = sum(ch.isdigit() for ch in phone)
        if not PHONE_PATTERN.match(phone) or not 7 <= digits <= 15:
            raise forms.ValidationError(
                "Please enter a phone number we can call, e.g. 07700 900123 or +44 7700 900123."
            )
        return phone

    def clean(self):
        data = super().clean()
        service = data.get("service")
        session_id = data.get("session")
        if service and session_id:
            option = service.session_options.filter(pk=session_id).first()
            if option is None:
                offered = minutes_in_words(self.minutes_offered.get(service.pk, []))
                self.add_error(
                    "session",
                    f"Please choose one of the session lengths offered for {service.title}"
                    + (f": {offered}." if offered else "."),
                )
            else:
                data["session_option"] = option
        self._clean_windows(data, data.get("session_option"))
        if data.get("notes") and not data.get("notes_consent"):
            self.add_error(
                "notes_consent",
                "To send us health notes, please tick this box to agree that we may store "
                "them, or empty the notes box.",
            )
        return data

    def _clean_windows(self, data, option):
        now = timezone.now()
        minutes = option.duration_minutes if option else 0
        windows = []
        for number in (1, 2, 3):
            day = data.get(f"window_{number}_date")
            start = data.get(f"window_{number}_from")
            end = data.get(f"window_{number}_until")
            field = f"window_{number}_date"
            if number == 3 and not (day or start or end):
                if not any(
                    self.errors.get(f"window_3_{part}") for part in ("date", "from", "until")
                ):
                    continue
            if number == 3 and not (day and start and end):
                if not self.has_error(field):
                    self.add_error(
                        field,
                        "Please give a date, a start and an end for your third choice, or leave all three empty.",
                    )
                continue
            if not (day and start and end):
                continue  # the missing part already has its own error
            zone = timezone.get_current_timezone()
            window_start = timezone.make_aware(datetime.datetime.combine(day, start), zone)
            window_end = timezone.make_aware(datetime.datetime.combine(day, end), zone)
            if window_end <= window_start:
                self.add_error(f"window_{number}_until", "Please choose an end after the start.")
                continue
            if minutes and window_end - window_start < datetime.timedelta(minutes=minutes):
                self.add_error(
                    f"window_{number}_until",
                    f"This time is shorter than the {minutes}-minute session you chose.",
                )
                continue
            if window_start <= now:
                self.add_error(field, "Please choose a date and time in the future.")
                continue
            if window_start > now + datetime.timedelta(days=365):
                self.add_error(field, "Please choose a date within the next year.")
                continue
            settings = self.practice_settings
            if not (
                settings.is_open_at(timezone.localtime(window_start, zone))
                and settings.is_open_at(timezone.localtime(window_end, zone))
            ):
                self.add_error(
                    f"window_{number}_from",
                    "We are closed at some of this time. Please choose a time within our "
                    "opening hours.",
                )
                continue
            windows.append((window_start, window_end))
        data["windows"] = windows


# -- the contact page's form, built from the therapist's fields ---------------------

MESSAGE_MAX_LENGTH = 5000


class ContactFormBase(ProtectedFormMixin, BaseForm):
    @property
    def person_fields(self):
        """The fields people fill in: not the hidden token, not the honeypot."""
        return [field for field in self if field.name not in (TOKEN_FIELD, HONEYPOT_FIELD)]


class ContactFormBuilder(FormBuilder):
    """Wagtail's form builder, with limits and clean-input rules on every text field."""

    def create_singleline_field(self, field, options):
        formfield = super().create_singleline_field(field, options)
        formfield.validators.append(validate_single_line)
        return formfield

    def create_multiline_field(self, field, options):
        options["max_length"] = MESSAGE_MAX_LENGTH
        options.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        formfield = super().create_multiline_field(field, options)
        formfield.validators.append(validate_multi_line)
        return formfield

    def create_email_field(self, field, options):
        options["max_length"] = 254
        formfield = super().create_email_field(field, options)
        formfield.validators.append(validate_single_line)
        return formfield

    def get_form_class(self):
        return type("ContactForm", (ContactFormBase,), self.formfields)
