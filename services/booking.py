"""The booking page: its form, and a post taken one way, each step called once.

1. screen (``screening.screen``): rate limit, one-time token, honeypot, fill time;
2. check (``forms.BookingForm``);
3. store (``store_booking``): one transaction claims the form token, then saves the
   ``BookingRequest`` (confirmed, holding its time, for a treatment booked instantly) and
   its ``Notification`` rows. When another visitor took the time first, the database
   refuses it (``bookings.occupancy``), the transaction stores nothing (the token is not
   used up) and the visitor gets the form again with the nearest free times;
4. queue (``notifications.queue``): the worker sends them; nothing waits for SMTP.

No step calls another or calls back here.
"""

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from availability.free_times import free_times
from bookings import notifications
from bookings.intake import SlotTaken, create_booking, first_emails
from bookings.models import BookingRequest, Notification
from home.models import PracticeSettings

from .came_from import came_from_path
from .form_records import SubmissionToken
from .forms import CONSENT_VERSION, BookingForm
from .protection import TOKEN_FIELD, claim_token, issue_form_token
from .screening import Verdict, screen
from .submissions import render_form, render_form_again, thanks, too_many_requests


def booking_form(page, practice, *args, **kwargs) -> BookingForm:
    """The form, offering the treatments the page hands over."""
    return BookingForm(
        *args,
        practice_settings=practice,
        treatments=page.bookable_treatments(),
        sessions=page.bookable_sessions(),
        free_times=free_times,
        **kwargs,
    )


@sensitive_variables("screening", "form")
def serve_booking_form(page, request):
    practice = PracticeSettings.for_request(request)
    if request.method != "POST":
        initial = {TOKEN_FIELD: issue_form_token()}
        slug = request.GET.get("service", "")[:100]
        if slug:
            initial["service"] = slug
        session = request.GET.get("session", "")[:12]
        if session.isdigit():
            initial["session"] = session
        initial["came_from"] = came_from_path(request)
        form = booking_form(page, practice, initial=initial)
        days = request.GET.get("days", "")[:4]
        form.day_offset = int(days) if days.isdigit() else 0
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

    form = booking_form(page, practice, screening.post)
    valid = form.is_valid()
    if screening.refusal:
        form.add_error(None, screening.refusal)
    if screening.refusal or not valid:
        return render_form(page, request, form, status=400)

    try:
        stored = store_booking(form.cleaned_data, screening.token)
    except SlotTaken:
        # Read again now the other booking is stored: its time is no longer offered.
        form = booking_form(page, practice, screening.post)
        form.is_valid()
        form.time_taken()
        return render_form(page, request, form, status=409)
    if stored is not None:
        notifications.queue(stored[1])
    return thanks(page, "booked" if stored is not None and form.instant else "thanks")


def serve_booking_form_again(page, request):
    """After a refused CSRF check: the form with what the visitor typed, to send again."""
    practice = PracticeSettings.for_request(request)
    return render_form_again(
        page, request, lambda initial: booking_form(page, practice, initial=initial)
    )


@sensitive_variables("data")
def store_booking(data: dict, token: str) -> tuple[BookingRequest, list[Notification]] | None:
    """In one transaction: claim the form token, save the booking and its emails' rows.
    None, and nothing saved, when the token was used already: the same form posted twice.
    ``SlotTaken``, and nothing saved, when another booking holds the time."""
    try:
        with transaction.atomic():
            if not claim_token(token):
                return None
            booking = create_booking(
                data, consent_version=CONSENT_VERSION, instant=data.get("instant", False)
            )
            return booking, first_emails(booking)
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise
