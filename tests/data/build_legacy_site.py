"""Build ``site-before-contact-move.sqlite3.gz``: a site as it stood before the contact page
moved from ``home`` to ``services``, for tests/test_migrate_existing_site.py.

The committed file was built at commit 807db9d ("One queue for email: the Notification
row ..."), whose models and migrations are those of every commit up to the move, from a copy
of that commit's tree with this script put in the same place::

    mkdir /tmp/legacy && git archive 807db9d | tar -x -C /tmp/legacy
    cp tests/data/build_legacy_site.py /tmp/legacy/tests/data/
    cd /tmp/legacy && /work/main/.venv/bin/python tests/data/build_legacy_site.py OUT.sqlite3.gz

What it holds, besides what ``migrate`` and ``load_demo_content`` make under ``make run``'s
settings: two contact messages, three booking requests (one confirmed, one with consented
health notes), a quarantined post, a practice staff member, a draft revision of the contact
page, and emails in every state the worker leaves them: sent, queued, and queued again after
a failed try. Only the database is kept, gzipped (1.4 MB of mostly empty pages becomes
90 KB): the demo's image files are not.

It names no model by its app where the contact page is concerned, so it runs on either side
of the move.
"""

import datetime
import gzip
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(target: Path) -> None:
    if target.exists():
        sys.exit(f"{target} exists; give a new file.")
    scratch = Path(tempfile.mkdtemp(prefix="legacy-site-"))
    database_path = scratch / "db.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="practice.settings.dev",  # what `make run` uses
        DATABASE_URL=f"sqlite:///{database_path}",
        DJANGO_MEDIA_ROOT=str(scratch / "media"),
        DJANGO_CACHE_DIR=str(scratch / "cache"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    os.chdir(REPO_ROOT)
    sys.path.insert(0, str(REPO_ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo_content", verbosity=0)
    add_visitors_and_staff()
    from django.db import connections

    connections.close_all()
    with closing(sqlite3.connect(database_path, isolation_level=None)) as database:
        database.execute("PRAGMA journal_mode=DELETE")
        database.execute("VACUUM")
    with database_path.open("rb") as source, gzip.GzipFile(target, "wb", mtime=0) as packed:
        shutil.copyfileobj(source, packed)
    shutil.rmtree(scratch)
    sys.stdout.write(f"Built {target} ({target.stat().st_size // 1024} KiB)\n")


def add_visitors_and_staff() -> None:
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.utils import timezone
    from wagtail.models import Page

    from services import notifications
    from services.booking import store_booking
    from services.contact import store_contact
    from services.models import (
        BookingRequest,
        Notification,
        QuarantinedSubmission,
        ServicePage,
    )

    contact = Page.objects.get(slug="contact", depth=3).specific
    swedish = ServicePage.objects.get(slug="swedish-massage")
    deep = ServicePage.objects.get(slug="deep-tissue-massage")

    # The first request came while emails went out at once, as under `make run`.
    first = store_booking(
        booking(swedish, "Ada Client", "ada@example.com", day=11), secrets.token_hex(16)
    )
    # Then the emails waited for a worker, as in production while it is stopped.
    settings.NOTIFICATIONS_SEND_AFTER_COMMIT = False
    store_booking(
        booking(
            deep,
            "Ben Client",
            "ben@example.com",
            day=12,
            notes="Sciatica, left leg",
        ),
        secrets.token_hex(16),
    )
    store_booking(booking(swedish, "Cy Client", "cy@example.com", day=13), secrets.token_hex(16))
    BookingRequest.objects.filter(pk=first.pk).update(
        status=BookingRequest.Status.CONFIRMED, confirmed_window=1
    )
    notifications.create([Notification(booking=first, kind=Notification.Kind.BOOKING_CONFIRMED)])

    store_contact(
        contact,
        {"name": "Dee Visitor", "email": "dee@example.com", "message": "Do you park nearby?"},
        secrets.token_hex(16),
    )
    retried = store_contact(
        contact,
        {"name": "Eve Visitor", "email": "eve@example.com", "message": "Is Saturday open?"},
        secrets.token_hex(16),
    )
    # Its first try met a mail server that was down: queued again, for later.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    notifications.deliver(Notification.objects.get(form_submission=retried).pk)

    QuarantinedSubmission.objects.create(
        form="contact", reason="honeypot", email="bot@example.com", data={"website": "spam"}
    )
    therapist = User.objects.create_user("therapist", "therapist@example.com", is_staff=False)
    therapist.set_unusable_password()
    therapist.save()
    therapist.groups.add(Group.objects.get(name="Practice staff"))

    contact.title = "Contact us"
    contact.save_revision(user=therapist, log_action=True)
    sys.stdout.write(
        f"{BookingRequest.objects.count()} booking requests, "
        f"{Notification.objects.count()} emails, as of {timezone.now():%Y-%m-%d %H:%M}\n"
    )


def booking(service, name: str, email: str, day: int, notes: str = "") -> dict:
    from django.utils import timezone

    def at(day_of_month: int, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(2027, 1, day_of_month, hour))

    return {
        "service": service,
        "session_option": service.session_options.order_by("sort_order").first(),
        "windows": [(at(day, 10), at(day, 12)), (at(day + 1, 14), at(day + 1, 17))],
        "name": name,
        "email": email,
        "phone": "07700 900123",
        "client_type": "new",
        "notes": notes,
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} NEW_FILE.sqlite3.gz")
    main(Path(sys.argv[1]))
