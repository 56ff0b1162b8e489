"""Email for the tests: a real SMTP server's behaviour on loopback, and the email worker.

The ``smtp_server`` fixture (tests/conftest.py) runs a ``RecordingHandler`` with aiosmtpd
and points Django's SMTP backend at it.
"""

import asyncio
import threading

from django.core.management import call_command


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


def run_worker():
    """One round of the email worker: sends every email that is due."""
    call_command("send_pending_notifications", verbosity=0)
