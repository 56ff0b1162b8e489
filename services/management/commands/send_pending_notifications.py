"""Send every email that is due: new ones the task queue missed, and retries after backoff.

Run it from cron every few minutes (or alongside the task worker). Safe to run in several
places at once: each email is claimed by one sender only.
"""

from django.core.management.base import BaseCommand

from services import notifications


class Command(BaseCommand):
    help = "Sends booking and contact emails that are due, retrying failed ones with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many emails.")

    def handle(self, *args, limit, **options):
        counts = notifications.send_pending(limit=limit)
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        self.stdout.write(summary or "Nothing to send.")
