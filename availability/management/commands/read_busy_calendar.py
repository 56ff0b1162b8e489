"""Reads her private busy calendar into its last good copy: every 5 minutes from a systemd
timer (deploy/systemd/) or cron in production; ``--loop`` keeps reading, for ``make run``."""

import logging
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from availability.busy_calendar import read_busy_calendar
from home.management.loop import add_loop_arguments, run_until_stopped

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Reads the therapist's busy calendar (Settings → Booking times) once; with --loop, "
        "every few minutes until stopped. A failed reading keeps the last good copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep reading until stopped.")
        add_loop_arguments(
            parser, interval=300, runs_help="With --loop, stop after this many readings."
        )

    def handle(self, *args, loop, interval, runs, **options):
        if not loop:
            self.stdout.write(self.outcome())
            return
        run_until_stopped(self.run_once, interval=interval, runs=runs)

    def run_once(self, stop: threading.Event) -> bool:
        try:
            self.stdout.write(self.outcome())
        except DatabaseError:
            logger.exception("Could not store the busy calendar; trying again at the next run.")
        finally:
            close_old_connections()
        return False

    def outcome(self) -> str:
        copy = read_busy_calendar()
        if copy is None:
            return "No busy calendar is set."
        if copy.error:
            return f"Not read: {copy.error} The last good copy stays."
        return f"Read: {len(copy.busy)} busy times."
