"""A site whose page views were home's keeps them when they move to the page_views app.

A database is migrated as a site stood before home/migrations/0009 (page views counted,
some of them of secret or answer addresses), and a group is granted the view permission of
``PageViewDay``. Migrated forward by ``manage.py migrate``, as an upgrade would, the page
rows are in ``page_views_pageviewday`` with their ids and counts, the secret ones are gone
(home 0009, which still runs before the move), the content type keeps its id under the new
label, and the group's grant still opens them. On SQLite, and on PostgreSQL.
"""

import datetime
import json
import uuid

import psycopg
import pytest

from .optional_services import require_postgres
from .test_migrate_existing_site import run, site_env
from .test_page_views_of_secret_paths import NOT_PAGES, PAGES

BEFORE_THE_MOVE = "0008_search_title_and_body_index"
GROUP = "Page view readers"
DAY = datetime.date(2026, 11, 30)


def seed() -> dict:
    """Run in the old site's process: views of every path on two days, and the grant."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    with connection.cursor() as cursor:
        for n, path in enumerate([*NOT_PAGES, *PAGES]):
            for day, views in ((DAY, n + 1), (DAY - datetime.timedelta(days=1), 1)):
                cursor.execute(
                    "INSERT INTO home_pageviewday (path, day, views) VALUES (%s, %s, %s)",
                    [path, day, views],
                )
    content_type = ContentType.objects.get(app_label="home", model="pageviewday")
    permission = Permission.objects.get(content_type=content_type, codename="view_pageviewday")
    Group.objects.create(name=GROUP).permissions.add(permission)
    return {"content_type": content_type.pk, "permission": permission.pk, "rows": rows("home")}


def rows(app: str) -> list[list]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, path, day, views FROM {app}_pageviewday ORDER BY id")
        return [[pk, path, str(day), views] for pk, path, day, views in cursor.fetchall()]


def probe() -> dict:
    """Run in the migrated site's process: what the new code finds."""
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from page_views import counting
    from page_views.models import PageViewDay

    kept = rows("page_views")
    reader = User.objects.create_user("reader")
    reader.groups.add(Group.objects.get(name=GROUP))
    # The moved table takes new rows and adds to old ones, ids carrying on after the last.
    counting.write_views({(PAGES[0], DAY): 5, ("/new-page/", DAY): 1})
    return {
        "rows": kept,
        "tables": sorted(
            name for name in connection.introspection.table_names() if "pageviewday" in name
        ),
        "content_types": list(
            ContentType.objects.filter(model="pageviewday").values_list("pk", "app_label")
        ),
        "model_content_type": ContentType.objects.get_for_model(PageViewDay).pk,
        "group_permissions": list(
            Group.objects.get(name=GROUP).permissions.values_list(
                "pk", "content_type__app_label", "codename"
            )
        ),
        "reader_may_view": reader.has_perm("page_views.view_pageviewday"),
        "added_to": PageViewDay.objects.get(path=PAGES[0], day=DAY).views,
        "new_row_after_old": PageViewDay.objects.get(path="/new-page/").pk > kept[-1][0],
    }


def in_site(env: dict[str, str], function: str) -> dict:
    code = (
        "import django, json; django.setup(); "
        f"from tests.test_page_views_move import {function}; print(json.dumps({function}()))"
    )
    return json.loads(run(env, "-c", code).splitlines()[-1])


def migrate_and_check(env: dict[str, str]) -> None:
    run(env, "manage.py", "migrate", "--noinput", "home", BEFORE_THE_MOVE)
    seeded = in_site(env, "seed")
    assert len(seeded["rows"]) == 2 * (len(NOT_PAGES) + len(PAGES))

    run(env, "manage.py", "migrate", "--noinput")

    seen = in_site(env, "probe")
    assert seen["tables"] == ["page_views_pageviewday"]
    # Every page's rows as they were, ids and counts; the secret and answer addresses' gone.
    assert seen["rows"] == [row for row in seeded["rows"] if row[1] in PAGES]
    assert seen["content_types"] == [[seeded["content_type"], "page_views"]]
    assert seen["model_content_type"] == seeded["content_type"]
    assert seen["group_permissions"] == [[seeded["permission"], "page_views", "view_pageviewday"]]
    assert seen["reader_may_view"] is True
    first_page_views = next(row[3] for row in seeded["rows"] if row[1:3] == [PAGES[0], str(DAY)])
    assert seen["added_to"] == first_page_views + 5
    assert seen["new_row_after_old"] is True


def test_page_views_move_with_their_rows_content_type_and_grants_on_sqlite(tmp_path):
    env = site_env(tmp_path / "site.sqlite3", tmp_path, smtp_port=1)
    migrate_and_check(env)


@pytest.mark.postgres
def test_page_views_move_with_their_rows_content_type_and_grants_on_postgresql(tmp_path):
    server = require_postgres()
    database = f"practice_pv_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        env = site_env(tmp_path / "unused.sqlite3", tmp_path, smtp_port=1)
        env["DATABASE_URL"] = f"{server}/{database}"
        migrate_and_check(env)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
