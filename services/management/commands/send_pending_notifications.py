"""The email worker: sends every booking and contact email that is due.

Each email is a ``Notification`` row (see services/notifications.py), and this command is
what sends them in production. With ``--loop`` it keeps going, a round every few seconds,
until SIGTERM or Ctrl-C, and then stops after the email it is sending, never in the middle
of one. Without it, one round: the same command from cron every minute also works. Safe to
run in several places at once: each email is claimed by one sender only.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from services import notifications

logger = logging.getLogger(__name__)


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))


class Command(BaseCommand):
    help = (
        "Sends the booking and contact emails that are due, retrying failed ones with "
        "growing waits. With --loop, keeps doing so until stopped with Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="Keep sending until stopped (the worker)."
        )
        parser.add_argument(
            "--interval", type=float, default=5, help="Seconds between rounds (default 5)."
        )
        parser.add_argument(
            "--runs", type=int, default=0, help="With --loop, stop after this many rounds."
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many emails per round."
        )

    def handle(self, *args, loop, interval, runs, limit, **options):
        if not loop:
            counts = notifications.send_pending(limit=limit)
            self.stdout.write(summary(counts) or "Nothing to send.")
            return
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.stdout.write(f"Sending emails: checking every {interval:g} s.")
            done = 0
            while not stop.is_set():
                sent_a_full_round = self.run_once(limit, stop)
                done += 1
                if runs and done >= runs:
                    break
                if not sent_a_full_round:  # after a full round more may be due at once
                    stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Email worker stopped.")

    def run_once(self, limit: int, stop: threading.Event) -> bool:
        try:
            counts = notifications.send_pending(limit=limit, stop=stop)
        except DatabaseError:
            # A locked or unreachable database is tried again at the next round, not fatal.
            logger.exception("Could not read the emails to send; trying again shortly.")
            return False
        finally:
            close_old_connections()
        if counts:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} {summary(counts)}.")
        return sum(counts.values()) >= limit
