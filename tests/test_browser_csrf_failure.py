"""A visitor whose cookies were cleared while the booking form was open, on a 390 px phone.

The post is refused by the CSRF check; the visitor gets the same form again, in the site's
design, with everything typed kept, never cached, and a fresh token; sent again, it is stored
once.
"""

import pytest

from bookings.models import BookingRequest

from .browser_support import MOBILE, new_page
from .test_browser_booking_form import (
    FILL_TIME_MS,
    fill_in_about_you,
    pick_the_first_free_time,
    services_in_order,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # See tests/browser_support.py: the live server's threads cannot close the shared connection.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

NOTES = "Stiff left shoulder since a fall in March"


def test_a_booking_sent_without_its_cookie_comes_back_kept_and_is_stored_once(browser, site_url):
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + "/book/")
    service = services_in_order()[0]
    page.locator("#id_service").select_option(service.slug)
    page.locator("#id_session").select_option(str(service.ordered_session_options().first().pk))
    page.locator("fieldset.booking-day").first.wait_for()
    wanted = pick_the_first_free_time(page)
    fill_in_about_you(page)
    page.locator("#id_notes").fill(NOTES)
    page.locator("#id_notes_consent").check()
    page.wait_for_timeout(FILL_TIME_MS)

    page.context.clear_cookies()
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.get_by_role("button", name="Send booking request").click()
    refused = sent.value
    page.wait_for_load_state()

    assert refused.status == 403
    assert "no-store" in refused.headers["cache-control"]
    assert "content-security-policy" in refused.headers
    # The site's own page and form, not Django's technical page.
    assert page.locator(".site-header").is_visible()
    assert "DEBUG" not in page.content()
    assert page.locator("#form-notice").is_visible()
    assert "security cookie" in page.locator("#form-notice").inner_text()
    assert page.locator("#id_name").input_value() == "Margaret Holmes"
    assert page.locator("#id_email").input_value() == "margaret@example.com"
    assert page.locator("#id_notes").input_value() == NOTES
    assert page.locator("#id_notes_consent").is_checked()
    assert page.locator("#id_session").input_value() != ""
    assert page.locator(f'input[name=times][value="{wanted}"]').is_checked()
    assert not BookingRequest.objects.exists()

    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()
    booking = BookingRequest.objects.get()
    assert booking.name == "Margaret Holmes" and booking.notes == NOTES
