"""The site in a real browser: Debian's Chromium, driven by Playwright, against the live server.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
The live server needs a transactional database; tests/conftest.py puts the demo site back
after its flushes.
"""

import datetime
import re

import pytest

from services.models import ServicePage

from .browser_support import MOBILE, new_page, sign_in
from .demo import DEMO_GUIDE_URL as ARTICLE_URL
from .demo import DEMO_URLS
from .factories import faq, heading, make_guide, make_superuser, paragraph
from .quality.chromium import AXE_JS as AXE_PATH
from .quality.chromium import (
    axe_violations,
    describe_violations,
    require,
)

# The live server needs a transactional database: see tests/browser_support.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server's request threads try to close the in-memory SQLite connection they
    # share with the test; Django refuses, harmlessly, after each response.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el && el.labels && el.labels.length ? el.labels[0].innerText : "";
            return {
                tag: el ? el.tagName.toLowerCase() : "",
                type: el ? (el.getAttribute("type") || "") : "",
                name: el ? (el.getAttribute("name") || "") : "",
                href: el ? (el.getAttribute("href") || "") : "",
                text: el ? el.innerText.trim() : "",
                label: label.trim(),
            };
        }"""
    )


def tab_to(page, matches, limit=150) -> dict:
    """Press Tab until the focused element satisfies `matches`; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
    pytest.fail(f"Tab never reached the element wanted (last focus: {focused(page)})")


class FieldTyping:
    """How this Chromium's date and time fields take typed digits.

    Chromium orders a date field's parts by the operating system's locale, not the page's,
    and may want AM or PM; a blank probe page tells which, so the test types what a person
    at this machine would.
    """

    def __init__(self, browser):
        probe = new_page(browser)
        probe.set_content('<input type="date" id="d"><input type="time" id="t">')
        probe.focus("#d")
        probe.keyboard.type("01022030")
        self.day_first = probe.input_value("#d") == "2030-02-01"
        probe.focus("#t")
        probe.keyboard.type("1000")
        self.twelve_hour = probe.input_value("#t") == ""
        probe.context.close()

    def date(self, day: datetime.date) -> str:
        return day.strftime("%d%m%Y" if self.day_first else "%m%d%Y")

    def time(self, moment: datetime.time) -> str:
        if self.twelve_hour:
            return moment.strftime("%I%M") + ("A" if moment.hour < 12 else "P")
        return moment.strftime("%H%M")


# -- (a) a visitor in pain, with the keyboard alone --------------------------------------


def test_visitor_reads_the_guide_and_books_a_service_with_the_keyboard_alone(browser, site_url):
    """Tab, Enter and Space move and act; letters are typed into fields; nothing is clicked.

    In the treatment's session list, the arrow keys choose an option, as a keyboard user does.
    """
    typing = FieldTyping(browser)
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + ARTICLE_URL)

    # The skip link comes first, and takes the visitor past the header.
    first = tab_to(page, lambda el: True, limit=1)
    assert first["href"] == "#main" and first["text"] == "Skip to content"

    # Open a FAQ answer.
    tab_to(page, lambda el: el["tag"] == "summary")
    question = page.evaluate("() => document.activeElement.innerText.trim()")
    page.keyboard.press("Enter")
    details = page.locator("details.faq__item", has_text=question)
    assert details.get_attribute("open") is not None
    assert details.locator(".prose").is_visible()

    # Space closes and opens it again: both keys work on a summary.
    page.keyboard.press("Space")
    assert details.get_attribute("open") is None
    page.keyboard.press("Space")
    assert details.get_attribute("open") is not None

    # Follow the link to a treatment that can help.
    link = tab_to(page, lambda el: el["tag"] == "a" and "/services/" in el["href"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(link["href"]) + "$"))
    service = ServicePage.objects.get(slug=link["href"].strip("/").split("/")[-1])
    assert page.locator("h1").inner_text() == service.title

    # Book it: the button carries the treatment to the booking form.
    tab_to(page, lambda el: el["tag"] == "a" and "/book/?service=" in el["href"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/book/"))
    assert page.locator("#id_service").input_value() == service.slug

    option = service.ordered_session_options().first()
    answers = {
        "Your name": "Margaret Holmes",
        "Email": "margaret@example.com",
        "Phone": "07700 900123",
    }
    filled = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        element = focused(page)
        label = re.sub(r"\s*\(required\)\s*$", "", element["label"])
        if element["tag"] == "button" and element["text"] == "Send booking request":
            break
        if label in answers and label not in filled:
            value = answers[label]
            if isinstance(value, datetime.date):
                value = typing.date(value)
            elif isinstance(value, datetime.time):
                value = typing.time(value)
            page.keyboard.type(value)
            filled.add(label)
        elif element["name"] == "client_type" and "client_type" not in filled:
            page.keyboard.press("Space")  # the first choice: a new client
            filled.add("client_type")
        elif element["name"] == "times" and "times" not in filled:
            page.keyboard.press("Space")  # the first free time of the first day
            filled.add("times")
        elif element["name"] == "session" and "session" not in filled:
            wanted = str(option.pk)
            for _ in range(40):
                if page.evaluate("() => document.activeElement.value") == wanted:
                    break
                page.keyboard.press("ArrowDown")
            # Its free times come without a reload.
            page.get_by_role("group", name="Choose up to three times").wait_for()
            filled.add("session")
    else:
        pytest.fail("Tab never reached the submit button")

    assert filled == {*answers, "client_type", "session", "times"}, (
        f"not reached: {filled ^ set(answers)}"
    )
    assert page.locator("#id_session").input_value() == str(option.pk)
    # Real people take longer than the form's minimum fill time; make sure the test does too.
    page.wait_for_timeout(3_200)
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()
    assert "/book/" in page.url

    from bookings.models import BookingRequest

    booking = BookingRequest.objects.get()
    assert booking.email == "margaret@example.com"
    assert booking.service_id == service.pk


# -- (b) no sideways scrolling on a phone --------------------------------------------------


def overflowing(page) -> list[str]:
    """The elements wider than the viewport, for a useful failure message."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > width + 1)
                .slice(0, 5)
                .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                    + ' right=' + Math.round(el.getBoundingClientRect().right));
        }"""
    )


@pytest.mark.parametrize("width", [390, 320])
def test_no_demo_page_scrolls_sideways_on_a_phone(browser, site_url, width):
    """390 px is a common phone; 320 px is WCAG's reflow width (1280 px at 400% zoom)."""
    page = new_page(browser, viewport={"width": width, "height": 844})
    problems = {}
    for url in [*DEMO_URLS, "/no-such-page/"]:
        page.goto(site_url + url)
        sizes = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if sizes[0] > sizes[1]:
            problems[url] = (sizes, overflowing(page))
    assert not problems, problems


# -- (c) the therapist edits a guide in the admin ----------------------------------------


def test_therapist_edits_a_guide_in_the_admin_and_sees_it_live(browser, site_url):
    make_superuser("sarah", "a-long-passphrase")
    guide = make_guide(
        title="Easing a stiff neck",
        body=[
            heading("Why necks stiffen"),
            paragraph("<p>Long hours at a screen.</p>"),
            faq(("Is massage safe for my neck?", "<p>It is gentle on the neck.</p>")),
        ],
    )
    page = new_page(browser)

    sign_in(page, site_url, "sarah", "a-long-passphrase")

    page.goto(f"{site_url}/admin/pages/{guide.pk}/edit/")
    new_title = "Easing a stiff neck: three stretches"
    page.locator("#id_title").fill(new_title)

    answer = page.locator(".Draftail-Editor", has_text="It is gentle on the neck.").locator(
        "[contenteditable=true]"
    )
    answer.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Tell me at once if anything feels sharp.")
    # Draftail saves its state into the form's hidden input a moment after the last keystroke.
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[type=hidden]')]"
        ".some(input => input.value.includes('anything feels sharp'))"
    )

    page.locator("footer button[data-w-dropdown-target=toggle]").click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    assert page.locator(".messages .success, [role=status]").first.is_visible()

    page.goto(site_url + guide.url)
    assert page.locator("h1").inner_text() == new_title
    question = page.locator("details.faq__item", has_text="Is massage safe for my neck?")
    question.locator("summary").click()
    assert "It is gentle on the neck. Tell me at once if anything feels sharp." in (
        question.inner_text()
    )


# -- (d) a bad submit keeps what the visitor typed -----------------------------------------


def test_booking_form_shows_errors_and_keeps_values_after_a_bad_submit(browser, site_url):
    page = new_page(browser, viewport=MOBILE)
    service = ServicePage.objects.live().order_by("path").first()
    option = service.ordered_session_options().first()
    page.goto(f"{site_url}/book/?service={service.slug}&session={option.pk}")
    page.locator("#id_name").fill("Margaret Holmes")
    page.locator("#id_email").fill("margaret-at-example")
    page.locator("#id_phone").fill("07700 900123")
    page.locator("#id_notes").fill("Sciatica, left leg")
    page.wait_for_timeout(3_200)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()

    # The summary is announced, and each error sits by its field, tied to it.
    assert page.locator("[role=alert]").first.is_visible()
    email = page.locator("#id_email")
    assert email.get_attribute("aria-invalid") == "true"
    described_by = (email.get_attribute("aria-describedby") or "").split()
    error_texts = [page.locator(f"#{id_}").inner_text() for id_ in described_by]
    assert any("email" in text.lower() for text in error_texts), error_texts
    # No time was chosen: said in the times' group, which names its error.
    assert "Please choose a time." in page.locator("#id_times_error").inner_text()
    times = page.get_by_role("group", name="Choose up to three times")
    assert times.get_attribute("aria-describedby") == "id_times_error"

    # Nothing typed is lost.
    assert page.locator("#id_name").input_value() == "Margaret Holmes"
    assert email.input_value() == "margaret-at-example"
    assert page.locator("#id_phone").input_value() == "07700 900123"
    assert page.locator("#id_notes").input_value() == ("Sciatica, left leg")


# -- (e) axe-core on every demo page -------------------------------------------------------


@pytest.mark.parametrize("viewport", [MOBILE, {"width": 1280, "height": 900}], ids=["390", "1280"])
def test_no_demo_page_has_an_axe_violation(browser, site_url, viewport):
    require(AXE_PATH, what="axe-core (npm ci)")
    page = new_page(browser, viewport=viewport)
    problems = {}
    for url in [*DEMO_URLS, "/no-such-page/", "/search/?q=sciatica"]:
        page.goto(site_url + url)
        violations = axe_violations(page)
        if violations:
            problems[url] = describe_violations(violations)
    assert not problems, "\n".join(f"{url}\n{text}" for url, text in problems.items())
