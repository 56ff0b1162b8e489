"""A site whose booking records were services' keeps them when they move to the bookings app.

A database is migrated as far as the site went before the move (every migration but
services/0013 and bookings/0001, and Django's content types and permissions made after it,
as ``manage.py migrate`` made them), and filled through that state's own models: a booking
request for a treatment, its history, its emails (sent, queued, failed), the calendar feed,
a page view, a group granted the booking requests, and a Wagtail log entry about one.
Migrated forward by ``manage.py migrate``, as an upgrade would, every row is found under the
new tables by the new code, the content types keep their ids under the new label, and the
group's grants and the log entry still point at them. On SQLite, and on PostgreSQL.
"""

import datetime
import json
import uuid

import psycopg
import pytest

from .optional_services import require_postgres
from .test_migrate_existing_site import run, site_env

THE_MOVE = ("services", "0013_booking_records_move_to_bookings")
MOVED = {
    "bookingrequest": "BookingRequest",
    "bookingevent": "BookingEvent",
    "notification": "Notification",
    "calendarfeed": "CalendarFeed",
}
GROUP = "Booking readers"
START = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=datetime.UTC)


def migrate_to_before_the_move():
    """Every migration that does not need the move, then what ``migrate`` does after them."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    after_the_move = set(graph.backwards_plan(THE_MOVE))  # the move and all that needs it
    plan, seen = [], set()
    for leaf in graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key in seen or key in after_the_move:
                continue
            seen.add(key)
            plan.append((graph.nodes[key], False))
    state = executor.migrate(targets=sorted(seen), plan=plan)
    emit_post_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)
    return state.apps


def old_treatment_page(old, title: str, slug: str):
    """A treatment page as the site before the move stored it, through that state's own
    models: today's ``ServicePage`` has columns the old tables lack."""
    Page = old.get_model("wagtailcore", "Page")
    ContentType = old.get_model("contenttypes", "ContentType")
    Locale = old.get_model("wagtailcore", "Locale")
    root = Page.objects.get(depth=1)
    root.numchild += 1
    root.save(update_fields=["numchild"])
    content_type, _ = ContentType.objects.get_or_create(app_label="services", model="servicepage")
    return old.get_model("services", "ServicePage").objects.create(
        title=title,
        draft_title=title,
        slug=slug,
        path=f"{root.path}{root.numchild:04d}",
        depth=2,
        numchild=0,
        url_path=f"/{slug}/",
        content_type=content_type,
        locale=Locale.objects.first(),
        summary="Slow and firm.",
    )


def seed() -> dict:
    """Run in a process of the new code on a fresh database: the old site, filled."""
    from django.contrib.auth.models import Group, User

    old = migrate_to_before_the_move()
    service = old_treatment_page(old, title="Deep tissue", slug="deep-tissue")
    staff = User.objects.create_user("robin")

    BookingRequest = old.get_model("services", "BookingRequest")
    BookingEvent = old.get_model("services", "BookingEvent")
    Notification = old.get_model("services", "Notification")
    CalendarFeed = old.get_model("services", "CalendarFeed")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    ModelLogEntry = old.get_model("wagtailcore", "ModelLogEntry")
    PageViewDay = old.get_model("page_views", "PageViewDay")

    booking = BookingRequest.objects.create(
        status="confirmed",
        service_id=service.pk,
        service_title="Deep tissue",
        session_minutes=60,
        session_price="65.00",
        name="Ada Client",
        email="ada@example.com",
        phone="07700 900123",
        client_type="new",
        window_1_start=START,
        window_1_end=START + datetime.timedelta(hours=2),
        window_2_start=START + datetime.timedelta(days=1),
        window_2_end=START + datetime.timedelta(days=1, hours=2),
        confirmed_window=1,
        appointment_start=START,
        calendar_sequence=1,
        notes="Sore left shoulder",
    )
    event = BookingEvent.objects.create(
        booking=booking, action="confirmed", actor_id=staff.pk, appointment_start=START, sequence=1
    )
    emails = [
        Notification.objects.create(booking=booking, kind=kind, status=status, sequence=sequence)
        for kind, status, sequence in (
            ("booking_practice", "sent", 0),
            ("booking_ack", "failed", 0),
            ("booking_confirmed", "pending", 1),
            ("booking_reminder", "pending", 1),
        )
    ]
    feed = CalendarFeed.objects.create(token="old-feed-token")
    PageViewDay.objects.create(path="/services/deep-tissue/", day=START.date(), views=7)

    content_types = {
        model: ContentType.objects.get(app_label="services", model=model).pk for model in MOVED
    }
    granted = Permission.objects.filter(
        content_type_id=content_types["bookingrequest"],
        codename__in=["view_bookingrequest", "change_bookingrequest"],
    )
    Group.objects.create(name=GROUP).permissions.add(*granted.values_list("pk", flat=True))
    ModelLogEntry.objects.create(
        content_type_id=content_types["bookingrequest"],
        object_id=str(booking.pk),
        label=f"Booking request #{booking.pk}",
        action="wagtail.edit",
        timestamp=START,
        user_id=staff.pk,
    )
    return {
        "booking": booking.pk,
        "public_id": booking.public_id.hex,
        "calendar_uid": booking.calendar_uid,
        "event": event.pk,
        "emails": [[email.pk, email.kind, email.status] for email in emails],
        "feed": feed.pk,
        "service": service.pk,
        "content_types": content_types,
        "permissions": sorted(granted.values_list("pk", flat=True)),
        "tables": tables(),
    }


def tables() -> list[str]:
    from django.db import connection

    return sorted(
        name for name in connection.introspection.table_names() if name.split("_", 1)[-1] in MOVED
    )


def probe() -> dict:
    """Run in the migrated site's process: what the new code finds."""
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from bookings import models
    from page_views.models import PageViewDay

    booking = models.BookingRequest.objects.get(name="Ada Client")
    reader = User.objects.create_user("reader")
    reader.groups.add(Group.objects.get(name=GROUP))
    # The moved tables take new rows, with ids after the old ones.
    newer = models.BookingRequest.objects.create(
        service_title="Deep tissue",
        session_minutes=60,
        name="Bo Client",
        email="bo@example.com",
        phone="07700 900124",
        client_type="returning",
        window_1_start=START,
        window_1_end=START,
        window_2_start=START,
        window_2_end=START,
    )
    newer_email = models.Notification.objects.create(booking=newer, kind="booking_practice")
    return {
        "tables": tables(),
        "booking": booking.pk,
        "public_id": booking.public_id.hex,
        "calendar_uid": booking.calendar_uid,
        "notes": booking.notes,
        "service": booking.service.pk,
        "service_bookings": list(booking.service.booking_requests.values_list("pk", flat=True)),
        "appointment": booking.chosen_window()[0].isoformat(),
        "events": [[e.pk, e.action, e.actor.username] for e in booking.events.all()],
        "emails": [[n.pk, n.kind, n.status] for n in booking.notifications.order_by("pk")],
        "feed": [models.CalendarFeed.current().pk, models.CalendarFeed.current().token],
        "page_views": list(PageViewDay.objects.values_list("path", "views")),
        "content_types": {
            model: ContentType.objects.get_for_model(getattr(models, name)).pk
            for model, name in MOVED.items()
        },
        "left_behind": list(
            ContentType.objects.filter(app_label="services", model__in=MOVED).values_list(
                "model", flat=True
            )
        ),
        "group_permissions": sorted(
            Group.objects.get(name=GROUP).permissions.values_list("pk", flat=True)
        ),
        "permission_labels": sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.filter(group__name=GROUP)
        ),
        "reader_may_view": reader.has_perm("bookings.view_bookingrequest"),
        "reader_may_change": reader.has_perm("bookings.change_bookingrequest"),
        "practice_staff_may_view": sorted(
            Group.objects.filter(
                permissions__codename="view_bookingrequest",
                permissions__content_type__app_label="bookings",
            ).values_list("name", flat=True)
        ),
        "log_entries": [
            [entry.action, entry.user.username]
            for entry in ModelLogEntry.objects.for_instance(booking)
        ],
        "newer_after_old": newer.pk > booking.pk,
        "newer_email_after_old": newer_email.pk
        > max(models.Notification.objects.exclude(pk=newer_email.pk).values_list("pk", flat=True)),
    }


def in_site(env: dict[str, str], function: str) -> dict:
    code = (
        "import django, json; django.setup(); "
        f"from tests.test_bookings_move import {function}; print(json.dumps({function}()))"
    )
    return json.loads(run(env, "-c", code).splitlines()[-1])


def migrate_and_check(env: dict[str, str]) -> None:
    seeded = in_site(env, "seed")
    assert seeded["tables"] == [f"services_{model}" for model in sorted(MOVED)]

    run(env, "manage.py", "migrate", "--noinput")

    seen = in_site(env, "probe")
    assert seen["tables"] == [f"bookings_{model}" for model in sorted(MOVED)]
    assert seen["booking"] == seeded["booking"]
    assert seen["public_id"] == seeded["public_id"]
    assert seen["calendar_uid"] == seeded["calendar_uid"]
    assert seen["notes"] == "Sore left shoulder"
    # The foreign keys still join: the treatment, the history, the emails.
    assert seen["service"] == seeded["service"]
    assert seen["service_bookings"] == [seeded["booking"]]
    assert seen["appointment"] == START.isoformat()
    assert seen["events"] == [[seeded["event"], "confirmed", "robin"]]
    assert seen["emails"] == seeded["emails"]
    assert seen["feed"] == [seeded["feed"], "old-feed-token"]
    assert seen["page_views"] == [["/services/deep-tissue/", 7]]
    # The same content type rows, relabelled; none made anew, none left behind.
    assert seen["content_types"] == seeded["content_types"]
    assert seen["left_behind"] == []
    assert seen["group_permissions"] == seeded["permissions"]
    assert seen["permission_labels"] == [
        "bookings.change_bookingrequest",
        "bookings.view_bookingrequest",
    ]
    assert seen["reader_may_view"] is True
    assert seen["reader_may_change"] is True
    assert seen["practice_staff_may_view"] == [GROUP, "Practice staff"]
    assert seen["log_entries"] == [["wagtail.edit", "robin"]]
    assert seen["newer_after_old"] is True
    assert seen["newer_email_after_old"] is True


def test_booking_records_move_with_their_rows_content_types_and_grants_on_sqlite(tmp_path):
    env = site_env(tmp_path / "site.sqlite3", tmp_path, smtp_port=1)
    migrate_and_check(env)


@pytest.mark.postgres
def test_booking_records_move_with_their_rows_content_types_and_grants_on_postgresql(tmp_path):
    server = require_postgres()
    database = f"practice_bookings_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        env = site_env(tmp_path / "unused.sqlite3", tmp_path, smtp_port=1)
        env["DATABASE_URL"] = f"{server}/{database}"
        migrate_and_check(env)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
