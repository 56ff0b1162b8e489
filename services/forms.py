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


MOST_TIMES_IN_A_REQUEST = 3
# Days of free times shown at once (the first open, the rest folded); "Later days" pages.
DAYS_SHOWN = 5


def time_value(moment: datetime.datetime) -> str:
    return moment.isoformat()


def free_time_choices(moments) -> list[tuple[str, str]]:
    zone = timezone.get_default_timezone()
    return [
        (time_value(moment), f"{moment.astimezone(zone):%A %-d %B, %H:%M}") for moment in moments
    ]


def nearest(moments, wanted: datetime.datetime, count: int = 3) -> list[datetime.datetime]:
    """The ``count`` free moments closest to ``wanted``, in time order."""
    return sorted(sorted(moments, key=lambda moment: abs(moment - wanted))[:count])


class BookingForm(ProtectedFormMixin, forms.Form):
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
    # The free times of the chosen session length, as ISO moments (``free_time_choices``);
    # a radio button each for a treatment booked instantly, a tick box each (up to three)
    # for a request. Both post the name once per time picked.
    times = forms.MultipleChoiceField(
        label="Your time",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Please choose a time.",
            "invalid_choice": "This time is no longer free. Please choose another.",
        },
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

    def __init__(self, *args, practice_settings, treatments, sessions, free_times, **kwargs):
        """``treatments``: the pages a visitor may book; ``sessions``: their session
        options, each with its page; ``free_times(minutes)``: her free start times for a
        session of that length. The booking page hands all three."""
        super().__init__(*args, **kwargs)
        self.practice_settings = practice_settings
        self.fields["service"].queryset = treatments
        sessions = list(sessions)
        self._offer_session_lengths(sessions, practice_settings.currency)
        self.chosen_session = self._chosen_session(sessions)
        if self.chosen_session and not self.is_bound and not self.initial.get("service"):
            self.initial["service"] = self.chosen_session.page.slug
        self.free_moments = (
            free_times(self.chosen_session.duration_minutes) if self.chosen_session else []
        )
        self.fields["times"].choices = free_time_choices(self.free_moments)
        # Her hours in words, for the page that says nothing is free.
        self.opening_hours = opening_hours_text(practice_settings.opening_hours)
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

    def _chosen_session(self, sessions: list):
        """The session length posted (or asked for in the address), when it is offered."""
        source = self.data if self.is_bound else self.initial
        value = str(source.get("session") or "")
        return next((option for option in sessions if str(option.pk) == value), None)

    @property
    def instant(self) -> bool:
        """Whether the chosen treatment books instantly: one time, confirmed at once."""
        return bool(self.chosen_session and self.chosen_session.page.books_instantly)

    @property
    def nothing_free(self) -> bool:
        """A length is chosen and she has no time for it in her horizon."""
        return bool(self.chosen_session) and not self.free_moments

    @property
    def shows_details(self) -> bool:
        """Whether the part to book is shown: with times to choose, or sent back with what
        the visitor typed, whatever went wrong."""
        return bool(self.free_moments) or self.is_bound

    @property
    def most_times(self) -> int:
        return 1 if self.instant else MOST_TIMES_IN_A_REQUEST

    def picked_values(self) -> set[str]:
        value = self["times"].value() or []
        return set(value if isinstance(value, list | tuple) else [value])

    def days(self) -> list[tuple[datetime.date, list[tuple[str, str, bool]]]]:
        """The free times by local day: (day, [(value, "HH:MM", picked)])."""
        zone = timezone.get_default_timezone()
        picked = self.picked_values()
        days: dict[datetime.date, list] = {}
        for moment in self.free_moments:
            local = moment.astimezone(zone)
            value = time_value(moment)
            days.setdefault(local.date(), []).append((value, f"{local:%H:%M}", value in picked))
        return list(days.items())

    # Which days are shown: from ``day_offset`` (the page's "days" address parameter), or
    # the page of days holding the first time picked, after a post.
    day_offset = 0

    def shown_days(self):
        days = self.days()
        offset = self.day_offset
        picked = [index for index, (_day, times) in enumerate(days) if any(t[2] for t in times)]
        if picked and not offset:
            offset = picked[0] - picked[0] % DAYS_SHOWN
        offset = max(0, min(offset, len(days) - 1)) if days else 0
        return days[offset : offset + DAYS_SHOWN], offset, len(days)

    def day_pages(self) -> dict:
        """For the template: the days shown, and the offsets of the earlier and later ones."""
        shown, offset, count = self.shown_days()
        # The first day shown is open, and every day with a time picked; the rest fold
        # away under their summary, so a phone shows the week in a screen or two.
        return {
            "days": [
                (day, times, index == 0 or any(t[2] for t in times))
                for index, (day, times) in enumerate(shown)
            ],
            "earlier": offset - DAYS_SHOWN if offset > 0 else None,
            "later": offset + DAYS_SHOWN if offset + DAYS_SHOWN < count else None,
        }

    def nearest_free(self, wanted: datetime.datetime) -> str:
        """The free times nearest ``wanted``, in words, for the visitor who just missed it."""
        return "; ".join(
            label for _value, label in free_time_choices(nearest(self.free_moments, wanted))
        )

    def _offer_the_nearest_instead(self) -> None:
        """A time no longer free (taken since the page was shown, or never free): name the
        nearest free ones in the error."""
        wanted = None
        for value in sorted(self.picked_values()):
            try:
                wanted = datetime.datetime.fromisoformat(value)
                break
            except ValueError:
                continue
        others = self.nearest_free(wanted) if wanted and wanted.tzinfo else ""
        if others:
            self.errors["times"] = self.error_class(
                [
                    "This time is no longer free. The nearest free times are "
                    f"{others}. Please choose one."
                ]
            )

    def time_taken(self) -> None:
        """Another visitor took the time while this one was filling in: say so, kindly,
        with the nearest free times (``free_moments`` were read after it was taken)."""
        picked = sorted(self.picked_values())
        wanted = datetime.datetime.fromisoformat(picked[0]) if picked else timezone.now()
        message = "Sorry: someone booked this time a moment before you."
        others = self.nearest_free(wanted)
        message += (
            f" The nearest free times are {others}. Please choose one."
            if others
            else " No other time is free just now: please call us."
        )
        self.errors.pop("times", None)
        self.add_error("times", message)

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
        if self.has_error("times", "invalid_choice"):
            self._offer_the_nearest_instead()
        self._clean_times(data, data.get("session_option"))
        if data.get("notes") and not data.get("notes_consent"):
            self.add_error(
                "notes_consent",
                "To send us health notes, please tick this box to agree that we may store "
                "them, or empty the notes box.",
            )
        return data

    def _clean_times(self, data, option):
        """The picked times, each as its session (start, end): one for a treatment booked
        instantly, up to three for a request."""
        values = sorted(data.get("times") or [])
        if not values or option is None:
            data["windows"] = []
            return
        if len(values) > self.most_times:
            self.add_error(
                "times",
                "Please choose one time."
                if self.instant
                else f"Please choose up to {MOST_TIMES_IN_A_REQUEST} times.",
            )
            data["windows"] = []
            return
        length = datetime.timedelta(minutes=option.duration_minutes)
        starts = [datetime.datetime.fromisoformat(value) for value in values]
        data["windows"] = [(start, start + length) for start in starts]
        data["instant"] = self.instant


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
