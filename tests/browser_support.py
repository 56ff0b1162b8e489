"""The browser harness: Debian's Chromium through Playwright, against the live server.

Registered as a pytest plugin in tests/conftest.py, so every browser test module gets the
`browser` and `site_url` fixtures. The live server needs a transactional database, which
is flushed after each test; tests/conftest.py puts the demo database back after the flush.

Every page opened with `new_page` records the Content-Security-Policy violations the browser
reports, from any frame: the console's CSP errors (which Chromium logs even with JavaScript
off) and the `securitypolicyviolation` events. A test during which any was reported fails at
its teardown, naming them.
"""

import os
import re
import threading
import time

import pytest
from django.core.cache import caches
from django.db import connections

from .quality.chromium import is_csp_violation, launch, require_chromium

# Added to every frame before its own scripts run, by the browser (not as a <script> element,
# so the page's policy does not apply to it).
REPORT_VIOLATION_EVENTS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__reportCspViolation({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: event.sourceFile,
        line: event.lineNumber,
        sample: event.sample,
    });
}, true);
"""


class CspViolations:
    """The violations reported to the pages of the current test."""

    def __init__(self):
        self.seen: list[str] = []
        self.contexts: list = []

    def watch(self, context) -> None:
        self.contexts.append(context)
        context.on("console", self._console)
        context.expose_binding("__reportCspViolation", self._event)
        context.add_init_script(REPORT_VIOLATION_EVENTS)

    def _console(self, message) -> None:
        if is_csp_violation(message.text):
            where = message.location.get("url", "") if message.location else ""
            self.seen.append(f"console ({where}): {message.text}")

    def _event(self, source, event: dict) -> None:
        frame = source.get("frame")
        self.seen.append(
            f"securitypolicyviolation ({frame.url if frame else '?'}): {event['directive']}"
            f" blocked {event['blocked'] or 'inline'} in {event['source']}:{event['line']}"
            f" {event['sample'] or ''}".rstrip()
        )

    def close_pages(self) -> None:
        """Close this test's pages, which delivers any report still on its way."""
        if self.contexts:
            from playwright.sync_api import Error as PlaywrightError
        for context in self.contexts:
            try:
                context.close()
            except PlaywrightError:  # closed with its browser: nothing left to deliver
                pass
        self.contexts = []

    def finish(self) -> list[str]:
        """Close this test's pages and hand back what was seen."""
        self.close_pages()
        seen, self.seen = self.seen, []
        return seen


CSP_VIOLATIONS = CspViolations()


@pytest.fixture(autouse=True)
def _fail_on_csp_violations():
    """Any test that opened pages with `new_page` fails if the browser reported a violation."""
    CSP_VIOLATIONS.finish()
    yield
    seen = CSP_VIOLATIONS.finish()
    if seen:
        pytest.fail(
            "The browser reported Content-Security-Policy violations:\n"
            + "\n".join(f"- {line}" for line in seen),
            pytrace=False,
        )


MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def site_url(live_server):
    # Rate-limit counters, cached pages and renditions left by earlier tests belong to
    # another database.
    for cache in caches.all():
        cache.clear()
    yield live_server.url
    # The flush after the test empties the tables the live server reads. A page left open
    # (a preview panel refreshing, say) can still be asking, and on SQLite the flush then
    # fails with "database table is locked" and leaves the next test a broken database.
    CSP_VIOLATIONS.close_pages()
    wait_for_live_server_requests()


def wait_for_live_server_requests(timeout: float = 15.0) -> None:
    """Until every request the live server is handling has ended. Its threads, one per
    connection, are named after socketserver's `process_request_thread`; once the pages are
    closed, each ends when its last request does."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


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
        # Inside sync_playwright the tests ran in a context of Playwright's, so Django opened
        # database connections of their own there. Left open, they would outlive this module,
        # and PostgreSQL would refuse to drop the test database at the end.
        connections.close_all()
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
    CSP_VIOLATIONS.watch(context)
    return context.new_page()


def sign_in(page, site_url, username, password, *, landing=r"/admin/$"):
    """Through the admin's sign-in form, as a person would; then wait for `landing` (a
    regular expression for the address), unless it is None."""
    page.goto(site_url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if landing is not None:
        page.wait_for_url(re.compile(landing))
