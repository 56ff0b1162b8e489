"""Backups that restore: the database and the media in one archive, and putting them back.

An archive is a gzipped tar, encrypted when ``BACKUP_ENCRYPTION_KEY`` is set
(``backups/encryption.py``), named after the moment it was made:

    practice-backup-20261203T215500Z.tar.gz[.enc]
        database/db.sqlite3 or database/db.dump   the database
        media/...                                 every file under MEDIA_ROOT
        manifest.json                             written last: what is in it, with checksums

SQLite is copied with its online backup API, which reads one consistent snapshot while the
site goes on serving and writing (WAL readers never block writers); PostgreSQL with
``pg_dump``. The database is read before the media, so every image and rendition the
snapshot names was on disk before the copy of the media began.

A restore unpacks and checks everything (key, gzip, members, checksums, the database itself
and whether this code can migrate it forward: ``backups/schema.py``) before it changes
anything, and extracts only what the manifest lists. Only then does it put back the database,
migrate it forward (putting the previous one back if that fails), make MEDIA_ROOT hold
exactly the archive's files, and empty the caches, which may hold pages and renditions of
the data that was replaced.

Why not django-dbbackup 5.4: its SQLite connector does use the backup API, but it writes the
database and the media as two archives with separate retention, encrypts through a GPG
keyring rather than a key from the environment, and restores SQLite by writing over the
database file, which leaves a running site's -wal file beside contents it does not belong to.
"""

import contextlib
import dataclasses
import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from . import schema
from .encryption import DecryptingReader, DecryptionError, EncryptingWriter, is_encrypted

FORMAT_VERSION = 1
ARCHIVE_PATTERN = re.compile(
    r"^practice-backup-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.tar\.gz(?P<enc>\.enc)?$"
)
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
READ_SIZE = 1024 * 1024
DATABASE_NAMES = ("db.sqlite3", "db.dump")
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclasses.dataclass(frozen=True)
class BackupResult:
    path: Path
    media_files: int | None  # None: the media are not on this disk (object storage)
    removed: list[Path]


@dataclasses.dataclass(frozen=True)
class Manifest:
    created_at: str
    vendor: str
    database: str
    media_files: int | None  # None: the media were not on this machine's disk
    checksums: dict[str, str]

    @classmethod
    def parse(cls, content: bytes | None) -> "Manifest":
        if content is None:
            raise BackupError(
                "The archive has no manifest: it is damaged, or was cut short while being "
                "written or copied. Nothing was changed."
            )
        try:
            data = json.loads(content)
            if data["format"] != FORMAT_VERSION:
                raise BackupError(
                    f"The archive's format {data['format']} is not one this site reads. "
                    "Nothing was changed."
                )
            manifest = cls(
                created_at=data["created_at"],
                vendor=data["vendor"],
                database=data["database"],
                media_files=data["media_files"],
                checksums=data["checksums"],
            )
            names_are_safe = isinstance(manifest.checksums, dict) and all(
                _is_safe_member_name(name) and name.split("/")[0] in (DATABASE_DIR, MEDIA_DIR)
                for name in manifest.checksums
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(
                "The archive's manifest is unreadable: it is damaged. Nothing was changed."
            ) from error
        if (
            not names_are_safe
            or manifest.database not in DATABASE_NAMES
            or f"{DATABASE_DIR}/{manifest.database}" not in manifest.checksums
        ):
            raise BackupError(
                "The archive's manifest names files outside the archive's database and media, "
                "or no database: it was not written by `manage.py backup`. Nothing was changed."
            )
        return manifest


def _is_safe_member_name(name: str) -> bool:
    """A relative path of plain names: no absolute path, no "..", no "." and no empty part."""
    if not isinstance(name, str) or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


# -- making a backup -------------------------------------------------------------------


def create_backup(directory: Path, *, key: str = "", keep: int = 0) -> BackupResult:
    """Writes one archive into ``directory``, then deletes all but the newest ``keep``
    archives there (0 keeps every one)."""
    _refuse_public(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    path = _new_archive_path(directory, created, encrypted=bool(key))
    partial = path.with_name(f".{path.name}.partial")
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as staging:
        database = _dump_database(Path(staging))  # before the media: see the docstring
        try:
            manifest = _write_archive(partial, key, created, database, _media_files())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=path, media_files=manifest["media_files"], removed=prune(directory, keep)
    )


def _write_archive(
    target_path: Path,
    key: str,
    created: datetime.datetime,
    database: Path,
    media: list[str] | None,
) -> dict:
    """Writes the database, the media and, last, the manifest; returns the manifest."""
    with open(target_path, "xb") as raw:
        os.chmod(target_path, 0o600)  # health notes: for the owner's eyes only
        target = EncryptingWriter(raw, key) if key else raw
        with tarfile.open(fileobj=target, mode="w|gz") as tar:
            name = f"{DATABASE_DIR}/{database.name}"
            checksums = {name: _add_file(tar, name, database)}
            media_root = Path(settings.MEDIA_ROOT)
            for relative in media or []:
                name = f"{MEDIA_DIR}/{relative}"
                checksum = _add_file(tar, name, media_root / relative)
                if checksum is not None:  # None: deleted since it was listed
                    checksums[name] = checksum
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": created.isoformat(),
                "vendor": connection.vendor,
                "database": database.name,
                "media_files": None if media is None else len(checksums) - 1,
                "checksums": checksums,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode(), created)
        if key:
            target.close()
        raw.flush()
        os.fsync(raw.fileno())
    return manifest


def _refuse_public(directory: Path) -> None:
    """Archives under the media or static root would be served to anyone who asks."""
    for setting, public in (
        ("DJANGO_MEDIA_ROOT", settings.MEDIA_ROOT),
        ("DJANGO_STATIC_ROOT", settings.STATIC_ROOT),
    ):
        if public and directory.resolve().is_relative_to(Path(public).resolve()):
            raise BackupError(
                f"BACKUP_DIR ({directory}) is inside {setting} ({public}), which the site "
                "serves to anyone: choose a folder outside it."
            )


def archives(directory: Path) -> list[Path]:
    """The archives in ``directory``, oldest first."""

    def order(path: Path):
        match = ARCHIVE_PATTERN.match(path.name)
        return match["stamp"], int(match["n"] or 0)

    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir() if ARCHIVE_PATTERN.match(path.name)]
    return sorted(found, key=order)


def prune(directory: Path, keep: int) -> list[Path]:
    """Deletes all but the newest ``keep`` archives (0 keeps every one); returns them."""
    if keep <= 0:
        return []
    old = archives(directory)[:-keep]
    for path in old:
        path.unlink()
    return old


def _new_archive_path(directory: Path, created: datetime.datetime, *, encrypted: bool) -> Path:
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    suffix = ".tar.gz.enc" if encrypted else ".tar.gz"
    stem = f"practice-backup-{stamp}"
    # A second backup within the same second is numbered after every one before it (even
    # one being written), so that the names keep their order.
    numbers = [
        int(match["n"] or 1)
        for path in directory.iterdir()
        if (match := ARCHIVE_PATTERN.match(path.name.removeprefix(".").removesuffix(".partial")))
        and match["stamp"] == stamp
    ]
    if numbers:
        stem = f"{stem}-{max(numbers) + 1}"
    return directory / f"{stem}{suffix}"


def _dump_database(staging: Path) -> Path:
    if connection.vendor == "sqlite":
        return _dump_sqlite(staging / "db.sqlite3")
    if connection.vendor == "postgresql":
        return _dump_postgres(staging / "db.dump")
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def _dump_sqlite(target: Path) -> Path:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): the whole database from one read snapshot.
        connection.connection.backup(copy)
        # A single self-contained file, with no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    return target


def _dump_postgres(target: Path) -> Path:
    _run_postgres_tool(
        "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"
    )
    return target


def _media_files() -> list[str] | None:
    """Every regular file under MEDIA_ROOT (originals, renditions, documents), or None when
    the media live elsewhere (object storage: back them up there)."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    root = Path(settings.MEDIA_ROOT)
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return found


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> str | None:
    """Adds a file and returns its SHA-256, or None if it has gone since it was listed."""
    try:
        file = open(path, "rb")
    except FileNotFoundError:
        return None
    with file:
        info = tar.gettarinfo(fileobj=file, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        hashing = _HashingReader(file)
        tar.addfile(info, hashing)
        return hashing.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, at: datetime.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(at.timestamp())
    tar.addfile(info, io.BytesIO(data))


class _HashingReader:
    def __init__(self, file):
        self._file = file
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# -- restoring -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    media_files: int | None
    migrated: int  # migrations of this code the archive's database did not have yet
    ignored: list[str]  # members of the archive its manifest does not list: not extracted


def restore_backup(
    archive: Path, *, key: str = "", confirm: Callable[[Manifest], bool] = lambda _: True
) -> RestoreResult:
    """Puts the archive's database and media back, and migrates the database forward.

    Everything is unpacked and checked first: the archive (decryption, gzip, its members,
    checksums), then its database (integrity, that it is this site's and of a schema this code
    can migrate forward from). A wrong key, a damaged or foreign archive, or ``confirm``
    saying no changes nothing. If migrating forward fails after all, the database as it was
    before is put back, before the media are touched."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    staging_parent = Path(settings.BACKUP_DIR)
    _refuse_public(staging_parent)
    staging_parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".restore-") as staging:
        staging = Path(staging)
        manifest, ignored = _unpack(archive, key, staging)
        if connection.vendor != manifest.vendor:
            raise BackupError(
                f"The archive holds a {manifest.vendor} database, but this site is configured "
                f"for {connection.vendor} (DATABASE_URL). Nothing was changed."
            )
        database = staging / DATABASE_DIR / manifest.database
        _check_database(manifest, database)
        if not confirm(manifest):
            raise BackupError("Restore cancelled. Nothing was changed.")
        before = staging / "before"
        before.mkdir()
        previous = _dump_database(before)
        _restore_database(database)
        try:
            migrated = _migrate_forward()
        except Exception as error:
            _restore_database(previous)
            raise BackupError(
                f"The archive's database could not be brought to this code's schema ({error}). "
                "The database as it was before the restore was put back, and the media were "
                "not touched. Nothing was changed."
            ) from error
        if manifest.media_files is not None:
            _replace_media(staging / MEDIA_DIR)
    for alias in settings.CACHES:
        caches[alias].clear()
    return RestoreResult(
        manifest=manifest, media_files=manifest.media_files, migrated=migrated, ignored=ignored
    )


def _migrate_forward() -> int:
    """Applies this code's migrations the restored database lacks, then reads a row of every
    table this code has, with every column it expects; the number of migrations applied."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            list(model._base_manager.order_by()[:1])
    return len(plan)


def _unpack(archive: Path, key: str, staging: Path) -> tuple[Manifest, list[str]]:
    """Reads the archive twice: first to check all of it and read its manifest (written
    last), then to extract the files the manifest lists, and only those, into ``staging``.
    Returns the manifest and the names of the members it does not list."""
    encrypted = is_encrypted(archive)
    if encrypted and not key:
        raise BackupError(
            f"{archive.name} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was "
            "made with. Nothing was changed."
        )
    try:
        with _members(archive, key, encrypted) as members:
            manifest_bytes, names = _survey(members)
        manifest = Manifest.parse(manifest_bytes)
        with _members(archive, key, encrypted) as members:
            _extract_listed(members, manifest, staging)
    except ValueError as error:  # a key that is not a Fernet key at all
        raise BackupError(f"{error} Nothing was changed.") from error
    except DecryptionError as error:
        raise BackupError(f"{archive.name}: {error} Nothing was changed.") from error
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(
            f"{archive.name} cannot be read ({error}): it is damaged or not a backup archive. "
            "Nothing was changed."
        ) from error
    return manifest, sorted(set(names) - set(manifest.checksums) - {MANIFEST})


@contextlib.contextmanager
def _members(archive: Path, key: str, encrypted: bool):
    """Yields the archive's (member, tar) pairs, in order. After the last one it reads on to
    the end of the file, so that the gzip checksum and length, and every encrypted chunk,
    are checked, and nothing but another gzip member may follow them."""
    with open(archive, "rb") as raw:
        source = DecryptingReader(raw, key) if encrypted else raw
        with gzip.GzipFile(fileobj=source, mode="rb") as unzipped:
            with tarfile.open(fileobj=unzipped, mode="r|") as tar:
                yield ((member, tar) for member in tar)
            while unzipped.read(READ_SIZE):
                pass


def _survey(members) -> tuple[bytes | None, list[str]]:
    """Checks every member's name and kind; returns the manifest's bytes and every name."""
    manifest, names = None, []
    for member, tar in members:
        if not _is_safe_member_name(member.name):
            raise BackupError(
                f"The archive holds {member.name!r}, a name outside the archive's own folder: "
                "it was not written by `manage.py backup`. Nothing was changed."
            )
        if not member.isreg():
            raise BackupError(
                f"The archive holds {member.name!r}, which is not a plain file (a link, a "
                "folder or a device): it was not written by `manage.py backup`. "
                "Nothing was changed."
            )
        if member.name in names:
            raise BackupError(
                f"The archive holds {member.name!r} twice: it was not written by "
                "`manage.py backup`. Nothing was changed."
            )
        names.append(member.name)
        if member.name == MANIFEST:
            if member.size > MANIFEST_MAX_BYTES:
                raise BackupError("The archive's manifest is too large. Nothing was changed.")
            manifest = tar.extractfile(member).read()
    return manifest, names


def _extract_listed(members, manifest: Manifest, staging: Path) -> None:
    found = set()
    for member, tar in members:
        expected = manifest.checksums.get(member.name)
        if expected is None:
            continue  # the manifest, or a member it does not list: never extracted
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = _HashingReader(tar.extractfile(member))
        with open(target, "xb") as copy:
            shutil.copyfileobj(source, copy, READ_SIZE)
        os.utime(target, (member.mtime, member.mtime))
        if source.hexdigest() != expected:
            raise BackupError(
                f"The archive's copy of {member.name} does not match its checksum: it is "
                "damaged. Nothing was changed."
            )
        found.add(member.name)
    for name in manifest.checksums:
        if name not in found:
            raise BackupError(
                f"The archive's copy of {name} is missing, though its manifest lists it: it is "
                "damaged. Nothing was changed."
            )


def _check_database(manifest: Manifest, database: Path) -> None:
    if manifest.vendor == "sqlite":
        try:
            copy = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
            try:
                verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        if verdict != "ok":
            raise BackupError(
                f"The archive's database is damaged ({verdict}). Nothing was changed."
            )
        archived = schema.read_sqlite(database)
    else:
        archived = schema.read_postgres_script(_postgres_script(database))
    try:
        schema.check_restorable(archived)
    except schema.SchemaProblem as problem:
        raise BackupError(f"{problem} Nothing was changed.") from problem


def _restore_database(database: Path) -> None:
    if connection.vendor == "sqlite":
        # Through the backup API, into the live database: SQLite writes it under its own
        # lock and journal, so no stale -wal file can survive next to the new contents.
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connection.close()
        clear = database.with_name("clear.sql")
        clear.write_text(CLEAR_POSTGRES_SCHEMA)
        _run_postgres_tool(
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={clear}",
            f"--file={_postgres_script(database)}",
            failure="The database was not changed: the restore runs in one transaction.",
        )


# Everything the site's migrations made goes, in the restore's transaction, before the
# archive's tables come back: also tables of migrations newer than the backup, which
# pg_restore --clean would leave behind to break the next `migrate`.
CLEAR_POSTGRES_SCHEMA = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT 'VIEW' AS kind, viewname AS name FROM pg_views
              WHERE schemaname = current_schema()
            UNION ALL SELECT 'MATERIALIZED VIEW', matviewname FROM pg_matviews
              WHERE schemaname = current_schema()
            UNION ALL SELECT 'TABLE', tablename FROM pg_tables
              WHERE schemaname = current_schema()
            UNION ALL SELECT 'SEQUENCE', sequencename FROM pg_sequences
              WHERE schemaname = current_schema()
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE', item.kind, current_schema(), item.name);
  END LOOP;
END $$;
"""


def _postgres_script(dump: Path) -> Path:
    """The dump as SQL. Writing it reads every byte of the dump, so it also checks it."""
    script = dump.with_suffix(".sql")
    if not script.exists():
        _run_postgres_tool(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(dump),
            with_database=False,
            failure="The archive's database dump is damaged. Nothing was changed.",
        )
    return script


def _replace_media(source: Path) -> int:
    """Makes MEDIA_ROOT hold exactly the archive's files: each copied in under a temporary
    name and renamed into place, then every file the archive does not have removed."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    kept = set()
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(source)
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.restoring")
            shutil.copy2(path, temporary)
            os.replace(temporary, target)
            kept.add(relative)
    for folder, _subfolders, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(folder, name)
            if path.relative_to(root) not in kept:
                path.unlink()
        if Path(folder) != root and not any(Path(folder).iterdir()):
            Path(folder).rmdir()
    return len(kept)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _run_postgres_tool(
    program: str, *arguments: str, with_database: bool = True, failure: str = ""
) -> None:
    """pg_dump, pg_restore or psql against the configured database, with its credentials in the
    environment (PGPASSWORD and the like, as Django's dbshell passes them)."""
    from django.db.backends.postgresql.client import DatabaseClient

    params = connection.settings_dict
    _, database_env = DatabaseClient.settings_to_cmd_args_env(params, [])
    command = [program]
    if with_database:
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if params.get(key):
                command.append(f"{flag}={params[key]}")
        if params.get("NAME"):
            command.append(f"--dbname={params['NAME']}")
    command.extend(arguments)
    try:
        completed = subprocess.run(
            command,
            env={**os.environ, **(database_env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{program} is not installed. Install the PostgreSQL client of the server's "
            "major version (apt-get install postgresql-client)."
        ) from error
    if completed.returncode != 0:
        message = f"{program} failed: {completed.stderr.strip()[-2000:]}"
        raise BackupError(f"{message} {failure}".strip())
