"""Where a visitor's request enters the back office: services' booking page hands it over,
checked, and it is stored here. ``bookings`` never imports ``services``.
"""

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .models import BookingRequest


@sensitive_variables("data")
def create_booking(data: dict, consent_version: str) -> BookingRequest:
    """A request as the booking form checked it; the notes with the consent wording's
    version the visitor agreed to."""
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
        notes_consent_version=consent_version if notes else "",
        came_from=data.get("came_from", ""),
    )
    return booking
