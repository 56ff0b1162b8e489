"""Shared parts for the booking and contact tests: a real SMTP server on loopback, form data.

No tests here. Fixtures are imported by the test modules that use them.
"""

import asyncio
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command

from services.models import SessionOption
from services.protection import issue_form_token

from .open_days import next_weekday
from .servers import free_port


class RecordingHandler:
    """An SMTP server's behaviour: accept, accept slowly, refuse with 4xx, or hang.

    ``receiving`` is set once a message has arrived and its answer is not yet given.
    """

    def __init__(self):
        self.messages = []
        self.mode = "accept"
        self.hang_seconds = 5
        self.slow_seconds = 1
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.mode == "tempfail":
            return "451 4.3.0 Mail server temporarily unavailable, try again later"
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
            return "451 4.3.0 Too slow"
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """Each test starts with no posts counted against its address."""
    cache.clear()
    yield
    cache.clear()


def old_token(seconds_ago: float = 10) -> str:
    """A form token issued long enough ago to pass the minimum fill time."""
    return issue_form_token(issued_at=time.time() - seconds_ago)


def session_option(slug: str = "swedish-massage", index: int = 0) -> SessionOption:
    return SessionOption.objects.filter(page__slug=slug).order_by("sort_order")[index]


def booking_data(**overrides) -> dict:
    day_1, day_2 = next_weekday(7), next_weekday(9)
    data = {
        "form_token": old_token(),
        "website": "",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "07700 900123",
        "client_type": "new",
        "service": "swedish-massage",
        "session": str(session_option().pk),
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
    data = {
        "form_token": old_token(),
        "website": "",
        "name": "Tom Reader",
        "email": "tom@example.com",
        "message": "Is deep tissue massage suitable after a marathon?",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def run_worker():
    """One round of the email worker: sends every email that is due."""
    call_command("send_pending_notifications", verbosity=0)
