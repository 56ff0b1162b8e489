"""Taking a booking request: check it, store it, then notify. In that order."""

import logging

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from home.models import PracticeSettings

from . import notifications
from .forms import CONSENT_VERSION, BookingForm
from .models import BookingRequest, Notification, QuarantinedSubmission, SubmissionToken
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    FormTokenError,
    describe_errors,
    issue_form_token,
    rate_limited,
    read_form_token,
    spam_reason,
)

logger = logging.getLogger(__name__)

# Limits on what one post may carry before any form sees it.
MAX_POST_FIELDS = 60
MAX_FIELD_LENGTH = 5000


def too_many_requests(request):
    return TemplateResponse(request, "429.html", status=429, headers={"Retry-After": "60"})


def oversized(post) -> bool:
    return len(post) > MAX_POST_FIELDS or any(
        len(value) > MAX_FIELD_LENGTH for values in post.lists() for value in values[1]
    )


def quarantine(form_name: str, post, reason: str) -> None:
    """Keep what a bot sent, trimmed and without NUL bytes, so the therapist can check it."""
    data = {
        key: str(value)[:500].replace("\x00", "")
        for key, value in post.items()
        if key not in ("csrfmiddlewaretoken", TOKEN_FIELD)
    }
    QuarantinedSubmission.objects.create(
        form=form_name,
        reason=reason,
        email=data.get("email", "")[:254],
        data=data,
    )
    logger.info("Quarantined a %s submission (%s)", form_name, reason)


def screen_post(request, form_name: str):
    """Abuse checks shared by both forms, before any validation.

    Returns (response, token): a response to send instead of handling the post, or the
    post's one-time token value.
    """
    if rate_limited(request):
        return too_many_requests(request), None
    post = request.POST
    try:
        token, age = read_form_token(post.get(TOKEN_FIELD, ""))
    except FormTokenError as error:
        if str(error) == "expired":
            return None, "expired"
        token, age = None, None
        reason = "no valid form token"
    else:
        reason = spam_reason(age, post.get(HONEYPOT_FIELD, ""))
    if reason:
        with transaction.atomic():
            quarantine(form_name, post, reason)
        return "spam", token
    return None, token


def claim_token(token: str) -> bool:
    """Record a one-time token inside the caller's transaction. False if already used."""
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token)
    except IntegrityError:
        return False
    return True


def render_form(page, request, form, status=200):
    describe_errors(form)
    context = page.get_context(request)
    context["form"] = form
    return TemplateResponse(request, page.get_template(request), context, status=status)


def serve_booking_form(page, request):
    practice = PracticeSettings.for_request(request)
    thanks_url = page.url + page.reverse_subpage("thanks")
    if request.method != "POST":
        initial = {TOKEN_FIELD: issue_form_token()}
        slug = request.GET.get("service", "")[:100]
        if slug:
            initial["service"] = slug
        form = BookingForm(initial=initial, practice_settings=practice)
        return render_form(page, request, form)

    outcome, token = screen_post(request, "booking")
    if isinstance(outcome, TemplateResponse):
        return outcome
    if outcome == "spam":
        # Bots see the same thank-you page as people, so they learn nothing.
        return HttpResponseRedirect(thanks_url)

    post = request.POST.copy()
    post[TOKEN_FIELD] = issue_form_token() if token == "expired" else post.get(TOKEN_FIELD)
    if oversized(request.POST):
        form = BookingForm(post, practice_settings=practice)
        form.is_valid()
        form.add_error(None, "Some of what you sent is far too long. Please shorten it.")
        return render_form(page, request, form, status=400)
    form = BookingForm(post, practice_settings=practice)
    if token == "expired":
        form.is_valid()
        form.add_error(
            None,
            "This form was open for a long time, so for your security we did not send it. "
            "Please check your details and send it again.",
        )
        return render_form(page, request, form, status=400)
    if not form.is_valid():
        return render_form(page, request, form, status=400)

    store_booking(form.cleaned_data, token)
    return HttpResponseRedirect(thanks_url)


@sensitive_variables("data")
def store_booking(data: dict, token: str) -> BookingRequest | None:
    """Commit the request and its notifications, then queue the emails. None if a repeat."""
    try:
        with transaction.atomic():
            if not claim_token(token):
                return None  # the same form, posted again: already stored
            option = data["session_option"]
            windows = data["windows"] + [(None, None)] * (3 - len(data["windows"]))
            notes = data.get("notes", "").strip()
            booking = BookingRequest.objects.create(
                service=data["service"],
                service_title=data["service"].title,
                session_minutes=option.duration_minutes,
                session_price=option.price,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                client_type=data["client_type"],
                window_1_start=windows[0][0],
                window_1_end=windows[0][1],
                window_2_start=windows[1][0],
                window_2_end=windows[1][1],
                window_3_start=windows[2][0],
                window_3_end=windows[2][1],
                notes=notes,
                notes_consent_at=timezone.now() if notes else None,
                notes_consent_version=CONSENT_VERSION if notes else "",
            )
            notifications.create(
                [
                    Notification(booking=booking, kind=Notification.Kind.BOOKING_PRACTICE),
                    Notification(booking=booking, kind=Notification.Kind.BOOKING_ACKNOWLEDGEMENT),
                ]
            )
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise
    return booking
