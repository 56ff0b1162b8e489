"""The therapist's journey, in Chromium on phones: a client asks for another time with the
link from their real confirmation email; she sees "Needs you" on her dashboard, opens the
request from the list's filter (its page fits 390 px), moves it, and it needs her no more.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
"""

import re
from urllib.parse import urlsplit

import pytest
from wagtail.models import Site

from bookings import desk
from bookings.models import BookingRequest

from .browser_support import MOBILE, new_page, sign_in
from .desk_support import CLIENT, link_in, sent_to, text_of, weekday_booking
from .factories import make_staff_user
from .mail import run_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PASSWORD = "a-long-passphrase"
WISH = "Any weekday after 4pm, please."


BEYOND_THE_RIGHT_EDGE = """
    ([selector, width]) => [...document.querySelectorAll(selector)]
        .filter(element => element.getBoundingClientRect().right > width)
        .map(element => (element.innerText || element.tagName).slice(0, 60))
"""


def beyond_the_screen(page) -> list[str]:
    """What sticks out of the screen's right edge, even inside a box that would scroll."""
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    return page.evaluate(
        BEYOND_THE_RIGHT_EDGE, ["main header *, main .booking-desk *", MOBILE["width"]]
    )


def test_a_clients_ask_for_another_time_reaches_her_and_she_answers_it(
    browser, site_url, smtp_server
):
    address = urlsplit(site_url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)
    booking = weekday_booking()
    # A long name: the page's header holds it on a 390 px phone.
    BookingRequest.objects.filter(pk=booking.pk).update(name="Jane Doe-Fitzwilliam-Montgomery")
    booking.refresh_from_db()
    desk.confirm(booking, booking.window_1_start, by=None)
    run_worker()
    link = link_in(text_of(sent_to(smtp_server, CLIENT)[-1]))

    # The client, on a phone.
    visitor = new_page(browser, viewport=MOBILE)
    visitor.goto(link)
    visitor.get_by_label("Which days and times would suit you?").fill(WISH)
    visitor.get_by_role("button", name="Ask for another time").click()
    visitor.get_by_role("button", name="Yes, send my request").click()
    assert "We have your request" in visitor.locator("main").inner_text()
    run_worker()
    assert "request for another time" in sent_to(smtp_server, CLIENT)[-1]["Subject"]

    # The therapist, on her phone.
    make_staff_user("robin", password=PASSWORD)
    page = new_page(browser, viewport=MOBILE)
    sign_in(page, site_url, "robin", PASSWORD)
    panel = page.locator("section", has=page.get_by_role("heading", name="Needs you (1)"))
    assert "asks for another time" in panel.inner_text()
    assert "Well done" not in page.locator("main").inner_text()

    panel.get_by_role("link", name="All that need you").click()
    page.wait_for_url(re.compile(r"/admin/booking_requests/\?needs_you=yes$"))
    row = page.get_by_role("row", name=re.compile("Jane Doe-Fitzwilliam"))
    assert "confirmed, needs you" in row.inner_text().lower()  # shown in capitals
    row.get_by_role("link", name=re.compile("Jane Doe-Fitzwilliam")).click()
    page.wait_for_url(re.compile(rf"/inspect/{booking.pk}/$"))
    main = page.locator("main")
    assert "Needs you: the client asks for another time" in main.inner_text()
    assert WISH in main.inner_text()
    assert beyond_the_screen(page) == []  # the request's page, header and all, at 390 px

    main.get_by_role("link", name="Move", exact=True).click()
    page.get_by_role("radio", name=re.compile(r"Choice 2:")).check()
    page.get_by_role("button", name="Show the email").click()
    assert "Your appointment has a new time" in page.locator("main").inner_text()
    page.get_by_role("button", name="Move and send the new time").click()
    page.wait_for_url(re.compile(rf"/inspect/{booking.pk}/$"))
    assert "Needs you" not in page.locator("main").inner_text()
    booking.refresh_from_db()
    assert not booking.needs_you and booking.confirmed_window == 2

    page.goto(site_url + "/admin/booking_requests/?needs_you=yes")
    assert "Jane Doe-Fitzwilliam" not in page.locator("main").inner_text()
    page.goto(site_url + "/admin/")
    assert "Needs you" not in page.locator("main").inner_text()
    assert BookingRequest.objects.get(pk=booking.pk).status == "confirmed"
