"""Practice staff in a real browser: the admin menu, and the booking requests on a phone.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
"""

import datetime
import re

import pytest
from django.utils import timezone
from wagtail.models import Site

from bookings.models import BookingRequest

from .browser_support import MOBILE, new_page, sign_in
from .factories import make_booking_request, make_staff_user, make_superuser, set_practice_details

# The live server needs a transactional database: see tests/browser_support.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PASSWORD = "a-long-passphrase"


def log_in_as_staff(page, site_url):
    """A user in the "Practice staff" group only, with no other permission."""
    make_staff_user("robin", password=PASSWORD)
    sign_in(page, site_url, "robin", PASSWORD)


def booking(name, days_ahead, **fields) -> BookingRequest:
    start = (timezone.now() + datetime.timedelta(days=days_ahead)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return make_booking_request(
        name,
        start,
        session_minutes=90,
        client_type=BookingRequest.ClientType.RETURNING,
        window_1_end=start + datetime.timedelta(hours=3),
        **fields,
    )


def test_practice_staff_open_every_menu_item_without_being_sent_away(browser, site_url):
    page = new_page(browser)
    log_in_as_staff(page, site_url)
    menu = page.locator(".sidebar-main-menu__list a[href^='/admin/']")
    items = dict(
        menu.evaluate_all("links => links.map(link => [link.innerText.trim(), link.href])")
    )
    assert {"Booking requests", "Contact messages", "Quarantined spam"} <= set(items)
    for label, href in items.items():
        page.goto(site_url + "/admin/")
        page.locator(".sidebar-main-menu__list").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.url == href, f"{label} led to {page.url}"
        assert page.locator(".messages .error").count() == 0, label
        assert page.locator("h1").first.is_visible(), label


def test_therapist_opens_a_confirmed_request_from_the_list_on_a_phone(browser, site_url):
    booking("Margaret Featherstonehaugh", 3)
    chosen = booking("Priya Raman", 6, status="confirmed", confirmed_window=1)
    booking("Declan O'Sullivan-Whitmore", 9, status="declined")
    page = new_page(browser, viewport=MOBILE, has_touch=True)
    log_in_as_staff(page, site_url)

    page.get_by_role("button", name="Toggle sidebar").tap()
    page.get_by_role("link", name="Booking requests", exact=True).tap()
    page.wait_for_url(re.compile(r"/admin/booking_requests/$"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
    cut_off = page.evaluate(
        """(width) => [...document.querySelectorAll('table.listing th, table.listing td')]
            .filter(cell => cell.offsetParent !== null)
            .filter(cell => cell.getBoundingClientRect().right > width
                || cell.scrollWidth > cell.clientWidth)
            .map(cell => cell.innerText.trim())""",
        MOBILE["width"],
    )
    assert cut_off == []
    row = page.locator("tbody tr", has_text="Priya Raman")
    assert re.search(r"\w{3} \d{1,2} \w{3} \d{4}, 10:00–11:30", row.inner_text())

    row.get_by_role("link", name="Priya Raman").tap()
    page.wait_for_url(re.compile(rf"/admin/booking_requests/inspect/{chosen.pk}/$"))
    content = page.locator("main").inner_text()
    # Wagtail's status tag shows the status in capitals.
    assert "Priya Raman" in content and "confirmed" in content.lower()


def test_therapist_choosing_the_privacy_page_starts_among_her_own_pages(browser, site_url):
    """The chooser for any page opens at home, where her treatments and guides are listed,
    not at the tree's root, where home is the only thing to click."""
    make_superuser("therapist", password=PASSWORD)
    set_practice_details(privacy_page=None)
    page = new_page(browser)
    sign_in(page, site_url, "therapist", PASSWORD)
    site = Site.objects.get(is_default_site=True)
    page.goto(f"{site_url}/admin/settings/home/practicesettings/{site.pk}/")
    privacy_page = page.locator("section").filter(
        has=page.get_by_role("heading", name="Privacy page")
    )
    privacy_page.get_by_role("button", name="Choose a page").last.click()
    modal = page.locator(".modal-content")
    modal.get_by_role("heading", name=re.compile("Choose")).first.wait_for()
    children = modal.locator(".page-results table tbody tr").all_inner_texts()
    assert any("Treatments" in row for row in children), children
    assert any("Guides" in row for row in children), children
