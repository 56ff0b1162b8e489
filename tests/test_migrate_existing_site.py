"""A site that already exists migrates forward without losing anything.

tests/data/site-before-contact-move.sqlite3.gz is a database as `make run` left it before the
contact page moved from ``home`` to ``services`` (built by tests/data/build_legacy_site.py at
the commit it names): the demo site, contact messages, booking requests, and emails sent,
queued and queued again. Here a copy of it is migrated by ``manage.py migrate``, as an upgrade
would, and then read, served and worked on by other processes under `make run`'s settings.
"""

import contextlib
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from .servers import REPO_ROOT

LEGACY_SITE = Path(__file__).parent / "data" / "site-before-contact-move.sqlite3.gz"
# Where the moved models' tables were, and are.
MOVED_TABLES = {
    "home_contactpage": "services_contactpage",
    "home_contactformfield": "services_contactformfield",
    # The booking records, since moved again to their own app.
    "services_bookingrequest": "bookings_bookingrequest",
    "services_bookingevent": "bookings_bookingevent",
    "services_notification": "bookings_notification",
    "services_calendarfeed": "bookings_calendarfeed",
}
MOVED_MODELS = ("contactpage", "contactformfield")
# Each moved model's content type: (old app, model) and its new app.
MOVED_CONTENT_TYPES = {
    **{("home", model): "services" for model in MOVED_MODELS},
    **{
        ("services", model): "bookings"
        for model in ("bookingrequest", "bookingevent", "notification", "calendarfeed")
    },
}
# Bookkeeping that a migration run changes by design: which migrations ran, and SQLite's
# counters of them.
NOT_COMPARED = {"django_migrations", "sqlite_sequence"}


def read_tables(path: Path) -> dict[str, tuple[list[str], set[tuple]]]:
    """Every table's columns and rows, read straight from the file."""
    with contextlib.closing(sqlite3.connect(path)) as database:
        names = [
            row[0]
            for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        tables = {}
        for name in names:
            cursor = database.execute(f'SELECT * FROM "{name}"')  # names read from the file itself
            tables[name] = ([column[0] for column in cursor.description], set(cursor.fetchall()))
    return tables


def common_rows(before, after) -> tuple[set[tuple], set[tuple]]:
    """Both versions of a table's rows, on the columns both have (a later migration may
    add a column; none may take a row away or change one)."""
    (columns_before, rows_before), (columns_after, rows_after) = before, after
    shared = [column for column in columns_before if column in columns_after]

    def project(columns, rows):
        return {tuple(row[columns.index(column)] for column in shared) for row in rows}

    return project(columns_before, rows_before), project(columns_after, rows_after)


def site_env(database: Path, workdir: Path, smtp_port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings.dev",  # `make run`'s settings
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DJANGO_CACHE_DIR=str(workdir / "cache"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(smtp_port),
        DJANGO_EMAIL_USE_TLS="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def probe() -> dict:
    """Run in the migrated site's own process: what a visitor and the therapist see."""
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client
    from wagtail.models import Page

    contact = Page.objects.get(slug="contact", depth=3).specific
    visitor = Client(HTTP_HOST="127.0.0.1")
    page = visitor.get("/contact/")
    therapist = Client(HTTP_HOST="127.0.0.1")
    therapist.force_login(User.objects.get(username="therapist"))
    messages = therapist.get(f"/admin/forms/submissions/{contact.pk}/")
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(User.objects.create_superuser("upgrader", "upgrader@example.com", None))
    editor = admin.get(f"/admin/pages/{contact.pk}/edit/")
    return {
        "class": f"{type(contact).__module__}.{type(contact).__name__}",
        "content_type": [contact.content_type.app_label, contact.content_type.model],
        "form_fields": [field.label for field in contact.get_form_fields()],
        "draft_title": contact.get_latest_revision_as_object().title,
        "stale_content_types": list(
            ContentType.objects.filter(app_label="home", model__in=MOVED_MODELS).values_list(
                "model", flat=True
            )
        ),
        "page_status": page.status_code,
        "page_html": page.content.decode(),
        "messages_status": messages.status_code,
        "messages_html": messages.content.decode(),
        "editor_status": editor.status_code,
        "editor_html": editor.content.decode(),
    }


# Models added since the old site bring their own content types and permissions; every
# row the old site had must still be there, unchanged.
GROWING_TABLES = ("auth_permission", "django_content_type")


PROBE = (
    "import django, json; django.setup(); "
    "from tests.test_migrate_existing_site import probe; print(json.dumps(probe()))"
)


@pytest.fixture
def legacy_site(tmp_path) -> Path:
    path = tmp_path / "site.sqlite3"
    with gzip.open(LEGACY_SITE) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    return path


def test_a_site_from_before_the_contact_page_moved_keeps_everything(
    legacy_site, tmp_path, smtp_server
):
    before = read_tables(legacy_site)
    # What the old site holds: the contact page in home's tables, with its messages, and
    # emails waiting (one of them after a failed try).
    assert {
        "home_contactpage",
        "home_contactformfield",
        "services_bookingrequest",
        "services_notification",
    } <= set(before)
    assert len(before["wagtailforms_formsubmission"][1]) == 2
    assert len(before["services_bookingrequest"][1]) == 3
    status = before["services_notification"][0].index("status")
    queued = [row for row in before["services_notification"][1] if row[status] == "pending"]
    assert len(queued) == 7

    env = site_env(legacy_site, tmp_path, smtp_server.port)
    run(env, "manage.py", "migrate", "--noinput")

    after = read_tables(legacy_site)
    for table, content in before.items():
        if table in NOT_COMPARED:
            continue
        moved_to = MOVED_TABLES.get(table, table)
        assert moved_to in after, f"{table} is gone"
        assert table not in MOVED_TABLES or table not in after, f"{table} is still there"
        rows_before, rows_after = common_rows(content, after[moved_to])
        if table == "django_content_type":
            # The moved models keep their content types' ids: only the app changes.
            rows_before = {
                (row[0], MOVED_CONTENT_TYPES[row[1:3]], *row[2:])
                if row[1:3] in MOVED_CONTENT_TYPES
                else row
                for row in rows_before
            }
        if table in GROWING_TABLES:
            assert rows_before <= rows_after, f"{table} lost rows"
        else:
            assert rows_after == rows_before, f"{table} changed"

    # Each booking now has a public id of its own, and keeps the calendar UID its files
    # were sent with (services/migrations/0010).
    bookings = after["bookings_bookingrequest"]
    ids, public_ids, uids = (
        [row[bookings[0].index(column)] for row in bookings[1]]
        for column in ("id", "public_id", "calendar_uid")
    )
    assert len(set(public_ids)) == 3 and None not in public_ids
    assert uids == [f"booking-{pk}@calm-hands-massage-therapy" for pk in ids]

    seen = json.loads(run(env, "-c", PROBE))
    assert seen["class"] == "services.models.ContactPage"
    assert seen["content_type"] == ["services", "contactpage"]
    assert seen["stale_content_types"] == []
    assert seen["form_fields"] == ["Your name", "Email", "Message"]
    assert seen["page_status"] == 200
    for label in ("Your name", "Email", "Message", "Send message"):
        assert label in seen["page_html"]
    assert seen["messages_status"] == 200
    assert "Dee Visitor" in seen["messages_html"] and "Eve Visitor" in seen["messages_html"]
    assert seen["editor_status"] == 200
    assert seen["draft_title"] == "Contact us"  # the draft revision opens as the page

    # The queued emails go out: every one, once, the contact messages with their fields.
    run(env, "manage.py", "send_pending_notifications")
    sent = [message_from_bytes(m.content, policy=policy.default) for m in smtp_server.messages]
    assert len(sent) == 7
    bodies = "\n".join(message.get_body(("plain",)).get_content() for message in sent)
    assert "Do you park nearby?" in bodies and "Is Saturday open?" in bodies
    assert "Your name" in bodies
    final = read_tables(legacy_site)["bookings_notification"]
    statuses = [row[final[0].index("status")] for row in final[1]]
    assert statuses == ["sent"] * 9
