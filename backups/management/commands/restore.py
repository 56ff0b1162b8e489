"""`manage.py restore ARCHIVE`: puts an archive of `manage.py backup` back (backups/archive.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backups.archive import BackupError, Manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Replaces the database and every file in MEDIA_ROOT with the contents of a backup "
        "archive, and migrates the database forward. The archive is unpacked and checked "
        "first: a wrong key, a damaged archive, or a database that is not this site's or is "
        "newer than this code changes nothing. Stop the site and the email worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The archive `manage.py backup` wrote.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, archive, interactive, **options):
        confirm = self.ask if interactive else (lambda manifest: True)
        try:
            result = restore_backup(archive, key=settings.BACKUP_ENCRYPTION_KEY, confirm=confirm)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = (
            "the media were not in the archive"
            if result.media_files is None
            else f"{result.media_files} media files"
        )
        self.stdout.write(
            f"Restored the database and {media} from the backup made at "
            f"{result.manifest.created_at}."
        )
        if result.migrated:
            self.stdout.write(
                f"Migrated the restored database forward: {result.migrated} migrations of this "
                "code were newer than the backup."
            )
        if result.ignored:
            self.stdout.write(
                f"Ignored {len(result.ignored)} files in the archive that its manifest does not "
                f"list (not extracted): {', '.join(map(repr, result.ignored[:10]))}"
            )

    def ask(self, manifest: Manifest) -> bool:
        target = connection.settings_dict["NAME"]
        self.stdout.write(
            f"This replaces the {manifest.vendor} database {target} and "
            f"every file in {settings.MEDIA_ROOT} with the backup made at "
            f"{manifest.created_at}. Everything stored since then is lost."
        )
        try:
            answer = input("Type 'yes' to continue, or anything else to cancel: ")
        except EOFError:
            answer = ""
        return answer.strip().lower() == "yes"
