"""What visitors post: a booking or contact form that passes every check, any field changed.

The form token was issued ten seconds ago (longer than a person takes at the least), the
honeypot is empty, and the times picked are her free times a week or more ahead: one for a
treatment booked instantly, two (on different days) for a request.
"""

import datetime
import secrets
import time

from django.core import signing
from django.utils import timezone

from availability.free_times import free_times
from services.models import ServicePage
from services.protection import TOKEN_MAX_AGE, TOKEN_SALT, issue_form_token


def old_token(seconds_ago: float = 10) -> str:
    """A form token issued long enough ago to pass the minimum fill time."""
    return issue_form_token(issued_at=time.time() - seconds_ago)


def long_ago() -> float:
    return time.time() - TOKEN_MAX_AGE - 60


class SignerOfLongAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(long_ago()))


def expired_token() -> str:
    """A token as this site signed it for a form shown longer ago than TOKEN_MAX_AGE."""
    return SignerOfLongAgo(salt=TOKEN_SALT).sign_object(
        {"t": long_ago(), "n": secrets.token_hex(16)}
    )


def booking_data(treatment: ServicePage | None = None, **overrides) -> dict:
    """A booking of the treatment's first session length (the first live treatment's unless
    given). An override of None leaves the field out."""
    service = treatment or ServicePage.objects.live().order_by("path").first()
    option = service.ordered_session_options().first()
    data = {
        "form_token": old_token(),
        "website": "",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "07700 900123",
        "client_type": "new",
        "service": service.slug,
        "session": str(option.pk),
        "times": picked_times(option.duration_minutes, 1 if service.books_instantly else 2),
        "notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def picked_times(minutes: int, count: int, days_ahead: int = 7) -> list[str]:
    """``count`` free start times, each on its own day, ``days_ahead`` days or more ahead."""
    zone = timezone.get_default_timezone()
    after = timezone.now() + datetime.timedelta(days=days_ahead)
    picked, days = [], set()
    for moment in free_times(minutes):
        day = moment.astimezone(zone).date()
        if moment >= after and day not in days:
            picked.append(moment.isoformat())
            days.add(day)
        if len(picked) == count:
            break
    return picked


def contact_data(**overrides) -> dict:
    """A message to the contact page's three fields. An override of None leaves it out."""
    data = {
        "form_token": old_token(),
        "website": "",
        "name": "Tom Reader",
        "email": "tom@example.com",
        "message": "Is deep tissue massage suitable after a marathon?",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
