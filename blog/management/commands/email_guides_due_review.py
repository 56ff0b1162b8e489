"""`manage.py email_guides_due_review`: once a week, the guides due a review, by email.

Sent to the practice's notification address (or its public one) in the practice
settings, through Django's send_mail; nothing is sent when no guide is due.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from wagtail.models import Site

from blog.insights import edit_url, guides_due_review
from home.models import PracticeSettings


def practice_settings() -> PracticeSettings:
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return PracticeSettings.for_site(site)


class Command(BaseCommand):
    help = (
        "Email the practice the guides last reviewed over 12 months ago (run weekly). "
        "Sends nothing when none is due."
    )

    def handle(self, *args, **options):
        guides = list(guides_due_review())
        if not guides:
            self.stdout.write("No guide is due a review: nothing sent.")
            return
        practice = practice_settings()
        recipient = practice.booking_notification_email or practice.email
        if not recipient:
            raise CommandError(
                "No email address to send to: set the practice's email under Settings → "
                "Practice settings."
            )
        for guide in guides:
            guide.edit_url = urljoin(settings.WAGTAILADMIN_BASE_URL, edit_url(guide))
        count = len(guides)
        body = render_to_string("emails/guides_due_review.txt", {"guides": guides, "count": count})
        subject = f"{count} guide{'s' if count != 1 else ''} due a review"
        send_mail(subject, body, None, [recipient])
        self.stdout.write(f"Sent the list of {count} guide(s) due a review to {recipient}.")
