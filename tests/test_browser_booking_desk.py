"""The booking desk in Chromium: the therapist confirms a request on a laptop, and the
client cancels on a phone with the link from the real email the SMTP test server caught.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
A Content-Security-Policy violation on any page fails the test (tests/browser_support.py).
"""

import re
from urllib.parse import urlsplit

import pytest
from wagtail.models import Site

from bookings import desk
from bookings.models import BookingRequest

from .browser_support import MOBILE, new_page, sign_in
from .desk_support import CLIENT, HEALTH_NOTE, link_in, sent_to, text_of, weekday_booking
from .factories import make_staff_user
from .mail import run_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PASSWORD = "a-long-passphrase"


def test_therapist_confirms_a_request_with_a_note_and_sees_the_history(
    browser, site_url, smtp_server
):
    booking = weekday_booking()
    make_staff_user("robin", password=PASSWORD)
    page = new_page(browser)  # a laptop
    sign_in(page, site_url, "robin", PASSWORD)

    page.goto(site_url + "/admin/booking_requests/")
    page.get_by_role("link", name="Jane Doe").click()
    page.wait_for_url(re.compile(rf"/inspect/{booking.pk}/$"))
    main = page.locator("main")
    assert main.get_by_role("link", name=CLIENT).get_attribute("href") == f"mailto:{CLIENT}"
    assert main.get_by_role("link", name="07700 900123").get_attribute("href").startswith("tel:")
    assert HEALTH_NOTE in main.inner_text()

    main.get_by_role("link", name="Confirm", exact=True).click()
    page.get_by_role("radio", name=re.compile(r"Choice 2:")).check()
    page.get_by_label("Personal note to the client (optional)").fill("Ring the top bell.")
    page.get_by_role("button", name="Show the email").click()
    preview = page.locator("main").inner_text()
    assert "Your appointment is confirmed" in preview and "Ring the top bell." in preview
    assert not booking.notifications.filter(kind="booking_confirmed").exists()
    page.get_by_role("button", name="Confirm and send").click()

    page.wait_for_url(re.compile(rf"/inspect/{booking.pk}/$"))
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    assert re.search(r"Confirmed .* by robin", history.inner_text())
    assert "Ring the top bell." in history.inner_text()
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.confirmed_window == 2
    run_worker()
    [email] = [m for m in sent_to(smtp_server, CLIENT) if "confirmed" in m["Subject"]]
    assert "Ring the top bell." in text_of(email)


def test_client_cancels_on_a_phone_with_the_link_from_the_email(browser, site_url, smtp_server):
    # The site's own address is the live server's, so the link in the email leads there.
    address = urlsplit(site_url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=None)
    run_worker()
    link = link_in(text_of(sent_to(smtp_server, CLIENT)[0]))
    assert link.startswith(site_url + "/book/appointment/")

    page = new_page(browser, viewport=MOBILE)
    page.goto(link)
    assert page.get_by_role("heading", name="Your appointment").is_visible()
    page.get_by_role("button", name="Cancel my appointment").click()
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    assert page.get_by_role("heading", name="Your appointment is cancelled").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"]  # nothing scrolls sideways
    assert BookingRequest.objects.get(pk=booking.pk).status == "cancelled"

    page.goto(link)  # the same link again
    assert page.get_by_role("heading", name="This appointment is already cancelled").is_visible()
    run_worker()
    cancellation = sent_to(smtp_server, CLIENT)[-1]
    assert "As you asked" in text_of(cancellation)
