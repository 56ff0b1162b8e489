"""Everything stored about one email address: export it as JSON, or erase it.

Covers booking requests (with their health notes and emails), contact messages and
quarantined spam. Erasure also deletes the queued emails about them.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.forms.models import model_to_dict
from wagtail.contrib.forms.models import FormSubmission

from bookings.models import BookingRequest
from services.models import QuarantinedSubmission


def contact_messages(email: str):
    """Form submissions whose email field is this address, in any letter case."""
    wanted = email.lower()
    return [
        submission
        for submission in FormSubmission.objects.order_by("submit_time")
        if any(
            isinstance(value, str) and value.strip().lower() == wanted
            for name, value in submission.form_data.items()
            if "email" in name
        )
    ]


def collect(email: str) -> dict:
    bookings = BookingRequest.objects.filter(email__iexact=email).order_by("created_at")
    return {
        "email": email,
        "booking_requests": [
            {
                **model_to_dict(booking),
                "id": booking.pk,
                "created_at": booking.created_at,
                "emails_sent": [
                    {"kind": n.kind, "status": n.status, "sent_at": n.sent_at}
                    for n in booking.notifications.all()
                ],
            }
            for booking in bookings
        ],
        "contact_messages": [
            {
                "id": submission.pk,
                "submitted_at": submission.submit_time,
                "data": submission.form_data,
            }
            for submission in contact_messages(email)
        ],
        "quarantined_submissions": [
            {"id": item.pk, "created_at": item.created_at, "data": item.data}
            for item in QuarantinedSubmission.objects.filter(email__iexact=email)
        ],
    }


class Command(BaseCommand):
    help = "Exports (--export) or erases (--erase) everything stored about an email address."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--export", metavar="EMAIL", help="Print everything as JSON.")
        group.add_argument("--erase", metavar="EMAIL", help="Delete everything.")
        parser.add_argument("--output", help="Write the export to this file, not stdout.")

    def handle(self, *args, export, erase, output, **options):
        email = (export or erase).strip()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email!r}") from error
        if export:
            text = json.dumps(collect(email), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
            if output:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(text + "\n")
                self.stderr.write(f"Written to {output}")
            else:
                self.stdout.write(text)
            return
        with transaction.atomic():
            bookings = BookingRequest.objects.filter(email__iexact=email)
            booking_count = bookings.count()
            bookings.delete()
            messages = contact_messages(email)
            for submission in messages:
                submission.delete()
            spam, _ = QuarantinedSubmission.objects.filter(email__iexact=email).delete()
        self.stdout.write(
            f"Erased {email}: {booking_count} booking requests (with their emails), "
            f"{len(messages)} contact messages, {spam} quarantined submissions."
        )
