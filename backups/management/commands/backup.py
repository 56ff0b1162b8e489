"""`manage.py backup`: one archive of the database and the media (backups/archive.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, create_backup
from backups.encryption import new_key


class Command(BaseCommand):
    help = (
        "Writes one timestamped, compressed archive of the database and the media to "
        "BACKUP_DIR (encrypted when BACKUP_ENCRYPTION_KEY is set), keeps the newest "
        "BACKUP_KEEP archives there, and prints the archive's path as its last line. "
        "Safe to run while the site serves."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            default=None,
            help="Where to write (default: BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Keep this many newest archives, deleting older ones; 0 keeps every one "
            "(default: BACKUP_KEEP).",
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new key for BACKUP_ENCRYPTION_KEY and exit, backing up nothing.",
        )

    def handle(self, *args, directory, keep, generate_key, **options):
        if generate_key:
            self.stdout.write(new_key())
            return
        keep = settings.BACKUP_KEEP if keep is None else keep
        if keep < 0:
            raise CommandError("--keep must be 0 (keep every archive) or more.")
        try:
            result = create_backup(
                directory or Path(settings.BACKUP_DIR),
                key=settings.BACKUP_ENCRYPTION_KEY,
                keep=keep,
            )
        except (BackupError, ValueError) as error:
            raise CommandError(str(error)) from error
        encrypted = "encrypted" if settings.BACKUP_ENCRYPTION_KEY else "not encrypted"
        media = (
            "not the media: they are not on this disk (back up their object storage)"
            if result.media_files is None
            else f"{result.media_files} media files"
        )
        self.stdout.write(f"Backed up the database and {media} ({encrypted}).")
        for path in result.removed:
            self.stdout.write(f"Removed an old backup: {path}")
        self.stdout.write(str(result.path))
