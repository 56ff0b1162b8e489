"""The email worker: sends every booking and contact email that is due.

Each email is a ``Notification`` row (see bookings/notifications.py), and this command is
what sends them in production. With ``--loop`` it keeps going, a round every few seconds,
until SIGTERM or Ctrl-C, and then stops after the email it is sending, never in the middle
of one. Without it, one round: the same command from cron every minute also works. Safe to
run in several places at once: each email is claimed by one sender only.

After the emails, each round renders the public pages again once a change has emptied the
page cache (caching/warming.py), so that the next visitor is not the one who waits.
"""

import logging
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from bookings import notifications
from caching.warming import Warming, warm_if_changed
from home.management.loop import add_loop_arguments, run_until_stopped

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
        add_loop_arguments(
            parser, interval=5, runs_help="With --loop, stop after this many rounds."
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many emails per round."
        )

    def handle(self, *args, loop, interval, runs, limit, **options):
        if not loop:
            counts = notifications.send_pending(limit=limit)
            self.stdout.write(summary(counts) or "Nothing to send.")
            self.warm_pages(None)
            return
        self.stdout.write(f"Sending emails: checking every {interval:g} s.")
        run_until_stopped(lambda stop: self.run_once(limit, stop), interval=interval, runs=runs)
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
        try:
            warming = self.warm_pages(stop)
        finally:
            close_old_connections()
        more_pages = warming is not None and not warming.complete
        return sum(counts.values()) >= limit or more_pages

    def warm_pages(self, stop: threading.Event | None) -> Warming | None:
        try:
            warming = warm_if_changed(stop)
        except DatabaseError:
            logger.exception("Could not list the pages to warm; trying again shortly.")
            return None
        if warming is not None and warming.urls:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} Pages {warming.summary()}.")
        return warming
