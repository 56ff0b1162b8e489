"""The browser harness: Debian's Chromium through Playwright, against the live server.

Registered as a pytest plugin in tests/conftest.py, so every browser test module gets the
`browser` and `site_url` fixtures. The live server needs a transactional database, which
is flushed after each test; tests/conftest.py puts the demo database back after the flush.
"""

import os

import pytest
from django.core.cache import caches

from .quality.chromium import launch, require_chromium

MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def site_url(live_server):
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
