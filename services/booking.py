"""Taking a booking request: check it, store it, then notify. In that order."""

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from home.models import PracticeSettings

from . import notifications
from .came_from import came_from_path
from .forms import CONSENT_VERSION, BookingForm
from .models import BookingRequest, Notification
from .protection import TOKEN_FIELD, issue_form_token
from .submissions import handle_post, render_form, render_form_again, store_once


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
    return handle_post(
        page,
        request,
        form_name="booking",
        bind_form=lambda post: BookingForm(post, practice_settings=practice),
        store=store_booking,
        what="details",
        special_category=BookingForm.special_category_fields,
    )


def serve_booking_form_again(page, request):
    """After a refused CSRF check: the form with what the visitor typed, to send again."""
    practice = PracticeSettings.for_request(request)
    return render_form_again(
        page, request, lambda initial: BookingForm(initial=initial, practice_settings=practice)
    )


@sensitive_variables("data")
def store_booking(data: dict, token: str) -> BookingRequest | None:
    """Commit the request with its emails, for the worker to send. None if a repeat."""
    return store_once(token, lambda: create_booking(data))


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
    notifications.create(
        [
            Notification(booking=booking, kind=Notification.Kind.BOOKING_PRACTICE),
            Notification(booking=booking, kind=Notification.Kind.BOOKING_ACKNOWLEDGEMENT),
        ]
    )
    return booking
