"""A visitor on a phone guesses a private page's password: after five wrong tries the site
refuses, in its own design, even the right password, and says when to try again. Debian's
Chromium at 390 px, against the live server."""

import pytest
from wagtail.models import PageViewRestriction

from .browser_support import MOBILE, new_page
from .factories import make_guide

pytestmark = pytest.mark.django_db(transaction=True)

SECTION_PASSWORD = "blue-heron-42"


def try_password(page, url: str, password: str) -> int:
    page.goto(url)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Continue").click()
    return navigation.value.status


def test_a_visitor_guessing_a_page_password_is_refused_after_five_tries(browser, site_url):
    guide = make_guide(title="Members' stretches")
    PageViewRestriction.objects.create(
        page=guide, restriction_type=PageViewRestriction.PASSWORD, password=SECTION_PASSWORD
    )
    page = new_page(browser, viewport=MOBILE)
    url = site_url + guide.url

    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == "Password needed"
    assert "Members' stretches" not in page.content()
    assert page.locator("header.site-header").is_visible()

    statuses = [try_password(page, url, f"guess-{n}") for n in range(5)]
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429
    assert page.get_by_role("heading", level=1).inner_text() == "Too many attempts"
    assert page.locator("header.site-header").is_visible()
    assert page.locator("main time").count() == 1  # when to try again

    assert try_password(page, url, SECTION_PASSWORD) == 429
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == "Password needed"
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
