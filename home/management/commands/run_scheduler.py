"""Wagtail's `publish_scheduled`, once a minute, until stopped: scheduled publishing for `make run`.

Production runs `manage.py publish_scheduled` from cron or a systemd timer instead (see the
README): nothing to keep alive. This loop is for a laptop, where `make run` starts it beside
runserver and stops it with it.
"""

import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from wagtail.models import Page, Revision

from home.management.loop import add_loop_arguments, run_until_stopped

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Publishes pages whose go-live time has come and unpublishes expired ones "
        "(Wagtail's publish_scheduled) every minute, until stopped with Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        add_loop_arguments(
            parser, interval=60, runs_help="Stop after this many runs (default: never)."
        )

    def handle(self, *args, interval, runs, **options):
        self.stdout.write(f"Scheduled publishing: checking every {interval:g} s.")
        run_until_stopped(self.run_once, interval=interval, runs=runs)
        self.stdout.write("Scheduled publishing stopped.")

    def run_once(self, stop: threading.Event) -> bool:
        try:
            now = timezone.now()
            due = Revision.objects.filter(approved_go_live_at__lt=now).count()
            expired = Page.objects.filter(live=True, expire_at__lt=now).count()
            call_command("publish_scheduled")
        except DatabaseError:
            # A locked or unreachable database is retried at the next run, not fatal.
            logger.exception("Scheduled publishing failed; trying again at the next run.")
        else:
            if due or expired:
                self.stdout.write(
                    f"{timezone.localtime():%H:%M:%S} published {due}, unpublished {expired}."
                )
        finally:
            close_old_connections()
        return False
