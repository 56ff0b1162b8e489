"""The booking page: its form, and a post taken one way, each step called once.

1. screen (``screening.screen``): rate limit, one-time token, honeypot, fill time;
2. check (``forms.BookingForm``);
3. store (``store_booking``): one transaction claims the form token, then saves the
   ``BookingRequest`` and its ``Notification`` rows;
4. queue (``notifications.queue``): the worker sends them; nothing waits for SMTP.

No step calls another or calls back here.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from home.models import PracticeSettings

from . import notifications
from .came_from import came_from_path
from .forms import CONSENT_VERSION, BookingForm
from .models import BookingRequest, Notification, SubmissionToken
from .protection import TOKEN_FIELD, claim_token, issue_form_token
from .screening import Verdict, screen
from .submissions import render_form, render_form_again, thanks, too_many_requests


@sensitive_variables("screening", "form")
def serve_booking_form(page, request):
    practice = PracticeSettings.for_request(request)
    if request.method != "POST":
        initial = {TOKEN_FIELD: issue_form_token()}
        slug = request.GET.get("service", "")[:100]
        if slug:
            initial["service"] = slug
        initial["came_from"] = came_from_path(request)
        form = BookingForm(initial=initial, practice_settings=practice)
        return render_form(page, request, form)

    screening = screen(
        request,
        "booking",
        what="details",
        special_category=BookingForm.special_category_fields,
    )
    if screening.verdict is Verdict.RATE_LIMITED:
        return too_many_requests(request)
    if not screening.for_a_person:
        return thanks(page)

    form = BookingForm(screening.post, practice_settings=practice)
    valid = form.is_valid()
    if screening.refusal:
        form.add_error(None, screening.refusal)
    if screening.refusal or not valid:
        return render_form(page, request, form, status=400)

    stored = store_booking(form.cleaned_data, screening.token)
    if stored is not None:
        notifications.queue(stored[1])
    return thanks(page)


def serve_booking_form_again(page, request):
    """After a refused CSRF check: the form with what the visitor typed, to send again."""
    practice = PracticeSettings.for_request(request)
    return render_form_again(
        page, request, lambda initial: BookingForm(initial=initial, practice_settings=practice)
    )


@sensitive_variables("data")
def store_booking(data: dict, token: str) -> tuple[BookingRequest, list[Notification]] | None:
    """In one transaction: claim the form token, save the request and its emails' rows.
    None, and nothing saved, when the token was used already: the same form posted twice."""
    try:
        with transaction.atomic():
            if not claim_token(token):
                return None
            booking = create_booking(data)
            rows = [
                Notification.objects.create(booking=booking, kind=kind)
                for kind in (
                    Notification.Kind.BOOKING_PRACTICE,
                    Notification.Kind.BOOKING_ACKNOWLEDGEMENT,
                )
            ]
            return booking, rows
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise


@sensitive_variables("data")
def create_booking(data: dict) -> BookingRequest:
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
        came_from=data.get("came_from", ""),
    )
    return booking
