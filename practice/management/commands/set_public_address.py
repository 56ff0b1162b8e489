from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from practice.public_address import apply_to_site, site_address


class Command(BaseCommand):
    help = (
        "Gives Wagtail's default Site the public address in DJANGO_PUBLIC_URL (migrate does "
        "it too). Changes nothing when it already has it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        try:
            site, changed = apply_to_site(database)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if site is None:
            raise CommandError("There is no default Site yet: run `manage.py migrate` first.")
        hostname, port = site_address()
        state = "is now" if changed else "already was"
        self.stdout.write(f"The site's address {state} {site.root_url} ({hostname}, port {port}).")
