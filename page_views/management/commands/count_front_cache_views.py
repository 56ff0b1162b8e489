"""`manage.py count_front_cache_views LOG`: the views of pages nginx answered from its cache
(page_views/front_cache_log.py), added to the day's counts."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from page_views import counting
from page_views.front_cache_log import (
    PositionFileInUse,
    load_position,
    only_reader,
    read_new_views,
    rotated_name,
    save_position,
)


class Command(BaseCommand):
    help = (
        "Counts the page views in the lines nginx's front cache added to its log of cached "
        "answers (deploy/nginx/practice/cache.conf) since the last run, with the same rule as "
        "the pages the app serves. Run it every minute beside nginx."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "log",
            type=Path,
            help="nginx's log of cached answers, e.g. /var/log/nginx/practice-page-hits.log.",
        )
        parser.add_argument(
            "--position-file",
            type=Path,
            default=None,
            help="Where to keep how far the log has been read "
            "(default: var/<the log's name>.position).",
        )

    def handle(self, *args, log, position_file, **options):
        if not log.exists() and not rotated_name(log).exists():
            raise CommandError(
                f"{log} does not exist: is nginx's log of cached answers written there?"
            )
        position_file = position_file or Path(settings.VAR_DIR) / f"{log.name}.position"
        position_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            with only_reader(position_file):
                found = read_new_views(log, self.position(position_file, log))
                # The counts first, then the position: a run stopped in between counts
                # its lines again next time rather than never.
                counting.write_views(found.views)
                save_position(position_file, found.position)
        except PositionFileInUse as error:
            raise CommandError(f"Another run is reading {log} ({error}).") from error
        except DatabaseError as error:
            raise CommandError(f"Nothing counted, the database refused: {error}") from error
        views = sum(found.views.values())
        self.stdout.write(f"{views} views counted from {found.lines} new lines of {log}.")
        if found.unreadable:
            self.stderr.write(
                f"{found.unreadable} lines were not lines of nginx's practice_page_hits format."
            )

    def position(self, position_file: Path, log: Path):
        try:
            return load_position(position_file)
        except ValueError as error:
            raise CommandError(
                f"{position_file} is not a position this command saved ({error}); move it "
                f"away to count {log} from its start."
            ) from error
