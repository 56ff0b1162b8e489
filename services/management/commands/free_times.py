"""The free start times of a treatment's session on one day, as the booking page offers
them: ``manage.py free_times --treatment SLUG --minutes N --date YYYY-MM-DD``."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from availability.free_times import free_times_on
from services.models import ServicePage


class Command(BaseCommand):
    help = (
        "Prints the free start times of a treatment's session on one day, in the practice's "
        "time zone, one per line (opening hours, minus appointments with their buffer, time "
        "off and the busy calendar, within the minimum notice and horizon)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--treatment", required=True, help="The treatment page's slug.")
        parser.add_argument("--minutes", required=True, type=int, help="The session length.")
        parser.add_argument("--date", required=True, type=dt.date.fromisoformat)

    def handle(self, *args, treatment, minutes, date, **options):
        page = ServicePage.objects.live().filter(slug=treatment).first()
        if page is None:
            raise CommandError(f"No live treatment has the slug {treatment!r}.")
        lengths = [option.duration_minutes for option in page.ordered_session_options()]
        if minutes not in lengths:
            offered = ", ".join(str(length) for length in lengths) or "none"
            raise CommandError(f"{page.title} has no {minutes}-minute session (it has: {offered}).")
        zone = timezone.get_default_timezone()
        for moment in free_times_on(minutes, date):
            self.stdout.write(f"{moment.astimezone(zone):%H:%M}")
