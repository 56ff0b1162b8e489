"""What visitors post: a booking or contact form that passes every check, any field changed.

The form token was issued ten seconds ago (longer than a person takes at the least), the
honeypot is empty, and the two preferred times fall on weekdays in the day, a week ahead.
"""

import secrets
import time

from django.core import signing

from services.models import ServicePage
from services.protection import TOKEN_MAX_AGE, TOKEN_SALT, issue_form_token

from .open_days import next_weekday


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
    day_1, day_2 = next_weekday(7), next_weekday(9)
    data = {
        "form_token": old_token(),
        "website": "",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "07700 900123",
        "client_type": "new",
        "service": service.slug,
        "session": str(service.ordered_session_options().first().pk),
        "window_1_date": day_1.isoformat(),
        "window_1_from": "10:00",
        "window_1_until": "12:00",
        "window_2_date": day_2.isoformat(),
        "window_2_from": "14:00",
        "window_2_until": "17:00",
        "window_3_date": "",
        "window_3_from": "",
        "window_3_until": "",
        "notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


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
