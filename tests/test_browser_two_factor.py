"""A staff member turns on two-step sign-in in a real browser, then signs in with the app's code.

The test plays the authenticator app: it reads the key the page shows (as a person would type
it into the app) and computes the code with django-otp's TOTP. Skipped on a machine without
/usr/bin/chromium, unless CI is set: there it fails instead.
"""

import base64
import re

import pytest
from django_otp.oath import TOTP

from .browser_support import new_page, sign_in
from .factories import make_staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PASSWORD = "a-long-passphrase"


def watch_console(page) -> list[str]:
    """Errors in the browser's console, a Content-Security-Policy violation among them."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def key_from_page(text: str) -> bytes:
    """The key as shown for typing into an app: base32 in groups of four."""
    compact = "".join(text.split())
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def app_code(key: bytes, steps_ahead: int = 0) -> str:
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def sign_in_with_password(page, site_url):
    sign_in(page, site_url, "robin", PASSWORD, landing=None)


def log_out(page):
    page.get_by_role("button", name="robin").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/login/"))


def test_staff_member_sets_up_two_step_sign_in_then_signs_in_with_a_code(
    browser, site_url, settings
):
    settings.STAFF_REQUIRE_2FA = True
    make_staff_user("robin", password=PASSWORD)
    page = new_page(browser)
    errors = watch_console(page)

    sign_in_with_password(page, site_url)
    page.wait_for_url(re.compile(r"/admin/two-step/set-up/"))
    assert page.locator(".two-factor-qr svg").count() == 1
    assert page.locator(".two-factor-qr svg").is_visible()
    assert page.locator(".sidebar-main-menu__list a").count() == 0
    key = key_from_page(page.locator("#two-factor-secret").inner_text())
    page.get_by_label("The 6-digit code your app shows now").fill(app_code(key))
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    page.wait_for_url(re.compile(r"/admin/two-step/backup-codes/$"))
    backup_codes = page.locator(".two-factor-backup-codes code").all_inner_texts()
    assert len(backup_codes) == 10
    page.get_by_role("link", name="I have kept them: go to the dashboard").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    log_out(page)

    sign_in_with_password(page, site_url)
    page.wait_for_url(re.compile(r"/admin/two-step/verify/"))
    # The code of the set-up's 30 seconds is used up; an app shows the next one soon after.
    page.get_by_label("Code from your authenticator app, or a backup code").fill(
        app_code(key, steps_ahead=1)
    )
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Booking requests", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/booking_requests/$"))
    assert page.locator("h1").first.inner_text() == "Booking requests"
    log_out(page)

    sign_in_with_password(page, site_url)
    page.get_by_label("Code from your authenticator app, or a backup code").fill(backup_codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert errors == []
