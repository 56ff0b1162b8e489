"""Backups that restore (backups/archive.py, `manage.py backup` and `manage.py restore`).

The drill does what a practice would live through: the site keeps taking bookings while the
nightly backup runs, then the disk is lost, and the archive brings back every booking that
was committed before the backup began, and every picture the pages show.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image as PillowImage

from bookings import desk
from bookings.client_link import link_url
from bookings.models import BookingRequest

from .desk_support import weekday_booking
from .factories import make_booking_request, make_guide, make_image, make_staff_user
from .optional_services import require_postgres
from .posts import booking_data, old_token
from .servers import REPO_ROOT, copy_test_database, free_port, gunicorn

HEALTH_NOTE = "Sciatica down the left leg since March"
MEDIA_URL_PATTERN = re.compile(r'/media/[^"\s,?]+')


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def last_line(output: str) -> str:
    return output.rstrip("\n").splitlines()[-1]


def backup(**options) -> Path:
    """`manage.py backup` in this process; checks that its last line is the new archive."""
    out = io.StringIO()
    call_command("backup", stdout=out, **options)
    path = Path(last_line(out.getvalue()))
    assert path.is_file()
    return path


def media_state(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def backup_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 14
    settings.BACKUP_ENCRYPTION_KEY = ""
    return settings


# -- in this process: the commands' promises -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_prints_its_archive_last_and_keeps_only_the_newest(demo_site, backup_settings):
    backup_settings.BACKUP_KEEP = 2
    directory = backup_settings.BACKUP_DIR
    directory.mkdir()
    unrelated = directory / "notes.txt"
    unrelated.write_text("not an archive")

    made = [backup() for _ in range(4)]

    assert len(set(made)) == 4  # several in one second still get names of their own
    assert sorted(p for p in directory.iterdir() if not p.name.startswith(".")) == sorted(
        [*made[2:], unrelated]
    )
    for path in made:
        assert re.fullmatch(r"practice-backup-\d{8}T\d{6}Z(-\d+)?\.tar\.gz", path.name)
    assert oct(made[-1].stat().st_mode & 0o777) == "0o600"  # health data: the owner only

    out = io.StringIO()
    call_command("backup", keep=1, stdout=out)
    assert f"Removed an old backup: {made[2]}" in out.getvalue()
    assert not made[2].exists()


def test_backup_refuses_a_folder_the_site_serves(backup_settings):
    backup_settings.BACKUP_DIR = backup_settings.MEDIA_ROOT / "backups"
    with pytest.raises(CommandError, match="inside DJANGO_MEDIA_ROOT"):
        call_command("backup")
    assert not backup_settings.BACKUP_DIR.exists()


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_restores_with_its_key_and_a_wrong_key_changes_nothing(
    demo_site, backup_settings
):
    out = io.StringIO()
    call_command("backup", generate_key=True, stdout=out)
    key = out.getvalue().strip()
    Fernet(key.encode())  # a real Fernet key
    backup_settings.BACKUP_ENCRYPTION_KEY = key
    booked = make_booking_request("Ann Backup", notes=HEALTH_NOTE)
    image = make_image()
    original = Path(image.file.path)
    original_bytes = original.read_bytes()

    archive = backup()

    assert archive.name.endswith(".tar.gz.enc")
    content = archive.read_bytes()
    assert HEALTH_NOTE.encode() not in content and b"Ann Backup" not in content
    with pytest.raises(tarfile.ReadError):
        tarfile.open(archive)

    # What happens after the backup, and must survive any refused restore.
    booked_pk = booked.pk
    booked.delete()
    original.unlink()
    later = make_booking_request("Bea After")
    after_the_backup = media_state(backup_settings.MEDIA_ROOT)

    def assert_unchanged():
        assert list(BookingRequest.objects.values_list("name", flat=True)) == ["Bea After"]
        assert media_state(backup_settings.MEDIA_ROOT) == after_the_backup

    backup_settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match="key is wrong"):
        call_command("restore", str(archive), interactive=False)
    assert_unchanged()
    backup_settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="is encrypted: set BACKUP_ENCRYPTION_KEY"):
        call_command("restore", str(archive), interactive=False)
    assert_unchanged()

    backup_settings.BACKUP_ENCRYPTION_KEY = key
    call_command("restore", str(archive), interactive=False, stdout=io.StringIO())

    restored = BookingRequest.objects.get()
    assert (restored.pk, restored.name, restored.notes) == (booked_pk, "Ann Backup", HEALTH_NOTE)
    assert not BookingRequest.objects.filter(pk=later.pk).exists()
    assert original.read_bytes() == original_bytes


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_cut_short_archive_is_refused_and_changes_nothing(
    demo_site, backup_settings, tmp_path
):
    make_image()
    archive = backup()
    make_booking_request("Cal After")
    media_before = media_state(backup_settings.MEDIA_ROOT)

    cut_short = tmp_path / "cut-short.tar.gz"
    cut_short.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    # One picture changed inside an otherwise well-formed archive.
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/original_images/"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            target.addfile(member, io.BytesIO(data))
    not_an_archive = tmp_path / "holiday.tar.gz"
    not_an_archive.write_bytes(b"just some bytes")

    for path, reason in [
        (cut_short, "damaged"),
        (tampered, "does not match its checksum"),
        (not_an_archive, "damaged or not a backup archive"),
    ]:
        with pytest.raises(CommandError, match=reason) as refused:
            call_command("restore", str(path), interactive=False)
        assert "Nothing was changed." in str(refused.value)
        assert list(BookingRequest.objects.values_list("name", flat=True)) == ["Cal After"]
        assert media_state(backup_settings.MEDIA_ROOT) == media_before


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_and_anything_but_yes_changes_nothing(
    demo_site, backup_settings, monkeypatch
):
    archive = backup()
    make_booking_request("Dee After")
    answers = iter(["no", "yes"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="Restore cancelled. Nothing was changed."):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert BookingRequest.objects.filter(name="Dee After").exists()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert f"This replaces the {connection.vendor} database" in out.getvalue()
    assert not BookingRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_link_sent_before_a_restore_never_acts_on_the_booking_that_gets_its_id(
    demo_site, backup_settings, client
):
    """A restore hands the lost bookings' ids out again: the link emailed for one of them
    must not open, let alone cancel, the new client's appointment that now has that id."""
    archive = backup()
    ann = weekday_booking(email="ann@example.com")
    desk.confirm(ann, ann.window_1_start, by=make_staff_user("sam"))
    ann.refresh_from_db()
    ann_link = urlsplit(link_url(ann, ann.calendar_sequence)).path
    assert client.get(ann_link).status_code == 200

    call_command("restore", str(archive), interactive=False, stdout=io.StringIO())
    bea = weekday_booking(email="bea@example.com")
    desk.confirm(bea, bea.window_1_start, by=make_staff_user("sam"))
    bea.refresh_from_db()
    assert (bea.pk, bea.calendar_sequence) == (ann.pk, ann.calendar_sequence)

    for response in (
        client.get(ann_link),
        client.post(ann_link, {"action": "cancel", "confirmed": "yes"}),
    ):
        assert response.status_code == 404, response.content.decode()
        assert "This link does not work" in response.content.decode()
    bea.refresh_from_db()
    assert bea.status == "confirmed" and bea.events.count() == 1
    assert client.get(urlsplit(link_url(bea, bea.calendar_sequence)).path).status_code == 200
    # Her calendar files name a different event from Ann's, whose file Ann may still have.
    assert bea.calendar_uid != ann.calendar_uid


# -- the drill: a real site taking bookings while it is backed up ----------------------


class BookingWriter(threading.Thread):
    """A visitor after visitor booking through the running site, until stopped."""

    def __init__(self, base_url: str, form: dict[str, str]):
        super().__init__(daemon=True)
        self.base_url = base_url
        self.form = form
        self.answers: list[tuple[str, int, float]] = []  # email, status, when answered
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def accepted(self, *, after: float = 0.0, before: float = float("inf")) -> list[str]:
        return [
            email
            for email, status, answered in list(self.answers)
            if status == 302 and after <= answered <= before
        ]

    def run(self):
        try:
            cookie, csrf = self._csrf()
            number = 0
            while not self.stopping.is_set():
                number += 1
                email = f"writer{number}@example.com"
                data = {
                    **self.form,
                    "email": email,
                    "form_token": old_token(),
                    "csrfmiddlewaretoken": csrf,
                }
                status = self._post(data, cookie)
                self.answers.append((email, status, time.monotonic()))
        except Exception as error:  # reported by the test
            self.errors.append(f"{type(error).__name__}: {error}")

    def _csrf(self) -> tuple[str, str]:
        # The booking form (with its CSRF token) shows once a length is chosen.
        address = f"{self.base_url}/book/?session={self.form['session']}"
        with urllib.request.urlopen(address, timeout=30) as response:
            cookie = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie"):
                cookie.load(header)
            html = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return cookie["csrftoken"].value, token

    def _post(self, data: dict[str, str], cookie: str) -> int:
        request = urllib.request.Request(
            self.base_url + "/book/",
            data=urlencode(data, doseq=True).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
            },
        )
        opener = urllib.request.build_opener(_KeepRedirects)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", error.read()


def pictures_on(base_url: str, paths: list[str]) -> set[str]:
    """The media URLs the pages link: img src, srcset and og:image alike."""
    found = set()
    for path in paths:
        status, _, body = fetch(base_url + path)
        assert status == 200, path
        found.update(MEDIA_URL_PATTERN.findall(body.decode()))
    return found


def assert_served_as_pictures(base_url: str, urls: set[str]) -> None:
    for url in sorted(urls):
        status, content_type, body = fetch(base_url + url)
        assert status == 200, url
        assert content_type.startswith("image/"), (url, content_type)
        with PillowImage.open(io.BytesIO(body)) as picture:
            picture.load()  # decodes every pixel: real image bytes, not an error page


def emails_in(database: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as conn:
        return {row[0] for row in conn.execute("SELECT email FROM bookings_bookingrequest")}


@pytest.mark.django_db(transaction=True)
def test_restore_drill_on_sqlite_brings_back_every_committed_booking_and_every_picture(
    demo_site, settings, tmp_path
):
    if connection.vendor != "sqlite":
        pytest.skip(
            "SQLite's own drill (a copy of the test database in a file), run by the suite on "
            "SQLite; on PostgreSQL see test_restore_drill_on_postgresql_brings_back_the_bookings"
        )
    # The demo's pictures too, in a folder this test may wipe.
    shutil.copytree(settings.MEDIA_ROOT, tmp_path / "media")
    settings.MEDIA_ROOT = tmp_path / "media"
    guide = make_guide(title="Backed up guide", hero_image=make_image(title="Backed up picture"))
    for number in range(3):
        make_booking_request(f"Before {number}", email=f"before{number}@example.com")
    form = booking_data()
    database = copy_test_database(tmp_path / "site.sqlite3")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "FORM_RATE_LIMIT_POSTS": "1000000",
    }
    pages = ["/", "/blog/", guide.url]
    log = tmp_path / "gunicorn.log"

    with gunicorn(env, free_port(), log) as base_url:
        pictures = pictures_on(base_url, pages)  # renders, so the renditions exist
        assert_served_as_pictures(base_url, pictures)
        writer = BookingWriter(base_url, form)
        writer.start()
        try:
            deadline = time.monotonic() + 60
            while len(writer.accepted()) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            committed_before = emails_in(database)
            backup_started = time.monotonic()
            made = manage(env, "backup")
            backup_finished = time.monotonic()
            while len(writer.accepted(after=backup_finished)) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            writer.stopping.set()
            writer.join(timeout=60)
    archive = Path(last_line(made.stdout))

    assert writer.errors == []
    assert {status for _, status, _ in writer.answers} == {302}, log.read_text()[-3000:]
    assert writer.accepted(after=backup_started, before=backup_finished)  # it wrote meanwhile
    assert {f"before{n}@example.com" for n in range(3)} <= committed_before
    assert any(picture.startswith("/media/images/") for picture in pictures)
    assert any(".avif" in picture for picture in pictures)
    accepted_after = set(writer.accepted(after=backup_finished))

    # The disk is lost: the database and every upload and rendition.
    for path in tmp_path.glob("site.sqlite3*"):
        path.unlink()
    shutil.rmtree(settings.MEDIA_ROOT)

    restored = manage(env, "restore", str(archive), "--noinput")
    assert "Restored the database" in restored.stdout

    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Each booking was stored with its emails in one transaction: none is half there.
        half_stored = conn.execute(
            "SELECT b.email FROM bookings_bookingrequest b LEFT JOIN bookings_notification n"
            " ON n.booking_id = b.id WHERE b.email LIKE 'writer%'"
            " GROUP BY b.id HAVING count(n.id) = 0"
        ).fetchall()
    assert half_stored == []
    in_restored = emails_in(database)
    assert committed_before <= in_restored
    assert not accepted_after & in_restored  # what came after the backup is not in it
    for picture in pictures:  # on disk before any page asks for it again
        assert (settings.MEDIA_ROOT / picture.removeprefix("/media/")).is_file(), picture

    with gunicorn(env, free_port(), log) as base_url:
        assert pictures_on(base_url, pages) == pictures
        assert_served_as_pictures(base_url, pictures)


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_restore_drill_on_postgresql_brings_back_the_bookings_and_the_media(tmp_path):
    server = require_postgres()
    name = f"backup_drill_{uuid.uuid4().hex[:8]}"
    admin = f"{server}/postgres"

    def create_database():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop_database():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def rows(sql: str) -> list[tuple]:
        with psycopg.connect(f"{server}/{name}") as conn:
            return conn.execute(sql).fetchall()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": f"{server}/{name}",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    bookings = "SELECT name, notes FROM bookings_bookingrequest ORDER BY name"
    create_database()
    try:
        manage(env, "migrate", "--noinput")
        script = (
            "from tests.factories import make_booking_request, make_image\n"
            "for n in range(3):\n"
            f"    make_booking_request(f'Before {{n}}', notes={HEALTH_NOTE!r})\n"
            "make_image(title='On PostgreSQL')\n"
        )
        manage(env, "shell", "-c", script)
        expected = rows(bookings)
        (image_file,) = rows("SELECT file FROM wagtailimages_image")[0]

        archive = Path(last_line(manage(env, "backup").stdout))
        assert archive.is_file()

        # Over the live database: what came after the backup goes, even a table a newer
        # migration would have made.
        with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
            conn.execute("DELETE FROM bookings_bookingrequest WHERE name = 'Before 0'")
            conn.execute("CREATE TABLE from_a_newer_migration (id integer)")
        manage(env, "restore", str(archive), "--noinput")
        assert rows(bookings) == expected
        assert rows("SELECT to_regclass('from_a_newer_migration')") == [(None,)]

        # A new, empty database and no media: everything comes back.
        drop_database()
        create_database()
        shutil.rmtree(tmp_path / "media")
        manage(env, "restore", str(archive), "--noinput")
        assert rows(bookings) == expected
        assert len(expected) == 3 and {notes for _, notes in expected} == {HEALTH_NOTE}
        assert (tmp_path / "media" / image_file).is_file()
        # The sequences came back too: the next booking gets an id of its own.
        assert rows(
            "SELECT nextval(pg_get_serial_sequence('bookings_bookingrequest', 'id'))"
            " > (SELECT max(id) FROM bookings_bookingrequest)"
        ) == [(True,)]
    finally:
        drop_database()


# -- archives a restore must refuse, on the suite's database (SQLite, or PostgreSQL) ----


def database_state() -> dict[str, tuple[list[str], list[str]]]:
    """Every table's columns and rows, through the site's own connection."""
    state = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            state[table] = (columns, sorted(repr(row) for row in cursor.fetchall()))
    return state


def scratch_database_url(name: str) -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    return f"postgresql://{user}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{name}"


def changed_database(good: bytes | None, tmp_path: Path, *, sql=(), manage_args=()) -> bytes:
    """The archive's database file (SQLite) or dump (PostgreSQL), changed: started from
    ``good`` (or from nothing), with ``sql`` run on it and then ``manage.py manage_args``."""
    if connection.vendor == "sqlite":
        path = tmp_path / f"changed-{uuid.uuid4().hex[:6]}.sqlite3"
        path.write_bytes(good or b"")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            for statement in sql:
                conn.execute(statement)
            conn.commit()
        url = f"sqlite:///{path}"
        if manage_args:
            manage({**os.environ, "DATABASE_URL": url}, *manage_args)
        return path.read_bytes()
    name = f"restore_bad_{uuid.uuid4().hex[:8]}"
    url = scratch_database_url(name)
    with psycopg.connect(scratch_database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        if good is not None:
            dump = tmp_path / f"{name}.dump"
            dump.write_bytes(good)
            subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(dump)], check=True)
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in sql:
                conn.execute(statement)
        if manage_args:
            manage({**os.environ, "DATABASE_URL": url}, *manage_args)
        out = tmp_path / f"{name}.out.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}", url],
            check=True,
        )
        return out.read_bytes()
    finally:
        with psycopg.connect(scratch_database_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def read_archive(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers()}


def write_archive(path: Path, members: dict[str, bytes], *, manifest: dict | None = None) -> Path:
    """An archive of ``members`` whose manifest (unless given) lists them with their checksums."""
    if manifest is None:
        manifest = json.loads(members["manifest.json"])
        manifest["checksums"] = {
            name: hashlib.sha256(data).hexdigest()
            for name, data in members.items()
            if name != "manifest.json"
        }
    members = {**members, "manifest.json": json.dumps(manifest).encode()}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def with_member(source: Path, target: Path, info: tarfile.TarInfo, data: bytes = b"") -> Path:
    """The archive with one more member that its manifest does not list."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            if member.name == "manifest.json":
                info.size = len(data)
                new.addfile(info, io.BytesIO(data))
            new.addfile(member, old.extractfile(member))
    return target


def flipped(source: Path, target: Path) -> Path:
    """The archive with one byte in its middle changed."""
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def member(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.fixture
def bad_archives(demo_site, backup_settings, tmp_path):
    """A good archive of this site, and every kind of bad one made from it, by name."""
    make_booking_request("Ann Before")
    make_image()
    good = backup()
    backup_settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    encrypted = backup()
    members = read_archive(good)
    database_name = next(name for name in members if name.startswith("database/"))
    database = members[database_name]

    # SQLite's connections here do not enforce foreign keys; PostgreSQL's do.
    delete_sites = (
        "DELETE FROM wagtailcore_site"
        if connection.vendor == "sqlite"
        else "TRUNCATE wagtailcore_site CASCADE"
    )

    def with_database(name: str, content: bytes) -> Path:
        return write_archive(tmp_path / f"{name}.tar.gz", {**members, database_name: content})

    bad = {
        "truncated gzip": (lambda p: p.write_bytes(good.read_bytes()[:-300]) and p)(
            tmp_path / "truncated.tar.gz"
        ),
        "corrupted gzip": flipped(good, tmp_path / "corrupted.tar.gz"),
        "corrupted encrypted payload": flipped(encrypted, tmp_path / "corrupted.tar.gz.enc"),
        "path traversal": with_member(
            good, tmp_path / "up.tar.gz", member("media/../../evil"), b"evil"
        ),
        "dot-dot first": with_member(good, tmp_path / "dotdot.tar.gz", member("../evil"), b"evil"),
        "absolute path": with_member(good, tmp_path / "abs.tar.gz", member("/tmp/evil"), b"evil"),
        "symlink": with_member(
            good, tmp_path / "symlink.tar.gz", member("media/x", tarfile.SYMTYPE, "/etc")
        ),
        "hard link": with_member(
            good, tmp_path / "hardlink.tar.gz", member("media/y", tarfile.LNKTYPE, "/etc")
        ),
        "manifest naming a file outside": write_archive(
            tmp_path / "outside.tar.gz",
            members,
            manifest={
                **json.loads(members["manifest.json"]),
                "checksums": {
                    **json.loads(members["manifest.json"])["checksums"],
                    "media/../../evil": "0" * 64,
                },
            },
        ),
        "an empty database": with_database("empty", changed_database(None, tmp_path)),
        "an unrelated database": with_database(
            "unrelated",
            changed_database(None, tmp_path, sql=["CREATE TABLE notes (id integer, body text)"]),
        ),
        "a database from a newer schema": with_database(
            "newer",
            changed_database(
                database,
                tmp_path,
                sql=[
                    "INSERT INTO django_migrations (app, name, applied) "
                    "VALUES ('services', '0999_from_a_newer_version', CURRENT_TIMESTAMP)"
                ],
            ),
        ),
        "a migration applied before its dependency": with_database(
            "inconsistent",
            changed_database(
                database,
                tmp_path,
                sql=[
                    "DELETE FROM django_migrations "
                    "WHERE app = 'services' AND name = '0005_contact_page_from_home'"
                ],
            ),
        ),
        "a database without the site's pages": with_database(
            "no-pages", changed_database(database, tmp_path, sql=[delete_sites])
        ),
        "a schema that is not what its migrations say": with_database(
            "lying",
            changed_database(
                database,
                tmp_path,
                sql=["ALTER TABLE bookings_bookingrequest DROP COLUMN came_from"],
            ),
        ),
    }
    return good, bad


BAD_ARCHIVE_REASONS = {
    "truncated gzip": "damaged or not a backup archive",
    "corrupted gzip": "damaged",
    "corrupted encrypted payload": "key is wrong, or the archive is damaged",
    "path traversal": "a name outside the archive's own folder",
    "dot-dot first": "a name outside the archive's own folder",
    "absolute path": "a name outside the archive's own folder",
    "symlink": "not a plain file",
    "hard link": "not a plain file",
    "manifest naming a file outside": "names files outside",
    "an empty database": "not a database of this site",
    "an unrelated database": "not a database of this site",
    "a database from a newer schema": "services.0999_from_a_newer_version",
    "a migration applied before its dependency": "which it depends on",
    "a database without the site's pages": "no Wagtail site or pages",
    "a schema that is not what its migrations say": "was put back",
}


@pytest.mark.django_db(transaction=True)
def test_a_bad_archive_is_refused_with_its_reason_and_changes_nothing(
    bad_archives, backup_settings
):
    """Every kind of archive this site cannot safely restore, on the suite's database: each
    gets its own reason, and the database and the media are exactly as before."""
    _good, bad = bad_archives
    assert set(bad) == set(BAD_ARCHIVE_REASONS)
    make_booking_request("Bea After")
    database_before = database_state()
    media_before = media_state(backup_settings.MEDIA_ROOT)
    evil = [Path("/tmp/evil"), backup_settings.BACKUP_DIR.parent / "evil"]
    for kind, archive in bad.items():
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(archive), interactive=False, stdout=io.StringIO())
        message = str(refused.value)
        assert BAD_ARCHIVE_REASONS[kind] in message, (kind, message)
        assert "Nothing was changed." in message, kind
        assert database_state() == database_before, kind
        assert media_state(backup_settings.MEDIA_ROOT) == media_before, kind
        assert not any(path.exists() for path in evil), kind
    assert not any(backup_settings.BACKUP_DIR.glob(".restore-*"))


@pytest.mark.django_db(transaction=True)
def test_files_the_manifest_does_not_list_are_never_extracted(bad_archives, backup_settings):
    good, _bad = bad_archives
    extra = with_member(good, good.with_name("extra.tar.gz"), member("media/planted.html"), b"<p>x")
    out = io.StringIO()
    call_command("restore", str(extra), interactive=False, stdout=out)
    assert "Ignored 1 files in the archive that its manifest does not list" in out.getvalue()
    assert "media/planted.html" in out.getvalue()
    assert not (backup_settings.MEDIA_ROOT / "planted.html").exists()
    assert BookingRequest.objects.filter(name="Ann Before").exists()


@pytest.mark.django_db(transaction=True)
def test_an_archive_of_an_older_schema_is_restored_and_migrated_forward(
    demo_site, backup_settings, tmp_path
):
    booked = make_booking_request("Cy Older")
    members = read_archive(backup())
    database_name = next(name for name in members if name.startswith("database/"))
    older = changed_database(
        members[database_name],
        tmp_path,
        manage_args=("migrate", "services", "0009_booking_came_from", "--noinput"),
    )
    archive = write_archive(tmp_path / "older.tar.gz", {**members, database_name: older})
    BookingRequest.objects.all().delete()

    out = io.StringIO()
    call_command("restore", str(archive), interactive=False, stdout=out)

    # Going back to 0009 takes off every later migration of services (both 0010s, their merge,
    # the move of the booking records), and bookings' own, which need that move.
    newer = [
        path.name
        for path in (REPO_ROOT / "services" / "migrations").glob("0*.py")
        if path.name > "0009_booking_came_from.py"
    ] + [path.name for path in (REPO_ROOT / "bookings" / "migrations").glob("0*.py")]
    assert len(newer) >= 1
    assert f"Migrated the restored database forward: {len(newer)} migrations" in out.getvalue()
    restored = BookingRequest.objects.get()
    assert restored.name == "Cy Older" and restored.pk == booked.pk
    assert restored.public_id and restored.public_id != booked.public_id  # a new random one
    assert restored.calendar_uid.startswith(f"booking-{booked.pk}@")  # the UID it was sent with
