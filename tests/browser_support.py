"""The browser harness: Debian's Chromium through Playwright, against the live server.

Registered as a pytest plugin in tests/conftest.py, so every browser test module gets the
`browser`, `demo_snapshot` and `site_url` fixtures. The live server needs a transactional
database, which is flushed after each test: even the root page and collection the
migrations made are gone. Each module keeps a snapshot of the demo database, taken
before the first flush, and puts it back before each test and at the end.
"""

import datetime
import itertools
import os

import pytest
from django.apps import apps
from django.core import serializers
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from home.models import HomePage

from .conftest import load_demo_site
from .quality.chromium import launch, require_chromium

ARTICLE_URL = "/blog/massage-for-sciatica-relief/"
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo_snapshot(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if not HomePage.objects.exists():
            load_demo_site()
        snapshot = serialize_database()
    yield snapshot
    with django_db_blocker.unblock():
        restore(snapshot)


def serialize_database() -> str:
    """Every row, content types first: restoring a page must not create one of its own."""
    tables = set(connection.introspection.table_names())
    models = sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables
        ),
        key=lambda model: model._meta.app_label != "contenttypes",
    )
    rows = itertools.chain.from_iterable(
        model._base_manager.order_by(model._meta.pk.name).iterator() for model in models
    )
    return serializers.serialize("json", rows)


def restore(snapshot: str) -> None:
    if HomePage.objects.exists():
        return
    # The flush after a test re-creates content types and permissions; clear them so the
    # snapshot's own rows, with their ids, go back in.
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def site_url(demo_snapshot, live_server):
    restore(demo_snapshot)
    # Rate-limit counters, cached pages and renditions left by earlier tests belong to
    # another database.
    for cache in caches.all():
        cache.clear()
    return live_server.url


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests
    # make between page actions are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser, viewport=None, **options):
    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
        **options,
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def next_weekday(days_ahead: int) -> datetime.date:
    """A Monday-to-Friday date at least `days_ahead` days from today, when the practice is open."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
