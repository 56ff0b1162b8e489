"""Delete booking requests, contact messages and quarantined spam past the retention period."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

from bookings.models import BookingRequest
from services.models import QuarantinedSubmission, SubmissionToken

# Spam needs no long look, and used form tokens only guard against double clicks.
QUARANTINE_DAYS = 30
TOKEN_DAYS = 2


class Command(BaseCommand):
    help = (
        "Deletes booking requests and contact messages older than BOOKING_RETENTION_DAYS "
        "(default 365), and quarantined spam older than 30 days. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Override the retention period, in days.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        days = settings.BOOKING_RETENTION_DAYS if days is None else days
        now = timezone.now()
        cutoff = now - datetime.timedelta(days=days)
        querysets = {
            "booking requests": BookingRequest.objects.filter(created_at__lt=cutoff),
            "contact messages": FormSubmission.objects.filter(submit_time__lt=cutoff),
            "quarantined submissions": QuarantinedSubmission.objects.filter(
                created_at__lt=now - datetime.timedelta(days=min(days, QUARANTINE_DAYS))
            ),
            "form tokens": SubmissionToken.objects.filter(
                created_at__lt=now - datetime.timedelta(days=TOKEN_DAYS)
            ),
        }
        with transaction.atomic():
            for label, queryset in querysets.items():
                count = queryset.count()
                if not dry_run:
                    queryset.delete()
                verb = "Would delete" if dry_run else "Deleted"
                self.stdout.write(f"{verb} {count} {label} older than the retention period.")
