"""The design promises only a browser can check: print, reduced motion, zoom, target sizes,
focus styles, and the site with JavaScript turned off.

Uses the live server, Chromium and the demo snapshot of tests/browser_support.py.
"""

import math

import pytest

from bookings.models import BookingRequest
from services.models import QuarantinedSubmission

from .browser_support import MOBILE, new_page
from .demo import DEMO_GUIDE_URL as ARTICLE_URL
from .demo import demo_guide
from .factories import make_service

# The tests that use the `browser` fixture are marked `browser` by tests/conftest.py; the
# spacing rule's own test needs no browser.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # See tests/browser_support.py: the live server's threads cannot close the shared connection.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

# WCAG 2.5.8 Target Size (Minimum).
MIN_TARGET = 24


# -- 8. print -----------------------------------------------------------------------------


def test_printed_article_drops_navigation_and_booking_and_shows_every_faq_answer(browser, site_url):
    page = new_page(browser)
    page.goto(site_url + ARTICLE_URL)
    answers = page.locator("details.faq__item > .prose")
    assert answers.count() >= 1
    # On screen the answers start closed and the navigation is there.
    assert not answers.first.is_visible()
    assert page.locator(".site-nav").is_visible()
    assert page.locator(".site-header__book").is_visible()

    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".site-header__book").is_visible()
    assert page.locator("h1").is_visible()
    for index in range(answers.count()):
        answer = answers.nth(index)
        assert answer.is_visible(), answer.inner_text()
        assert answer.bounding_box()["height"] > 0


# -- 9. reduced motion --------------------------------------------------------------------

MOTION = """() => {
    const moving = [...document.querySelectorAll('a, button, summary')];
    const style = el => getComputedStyle(el);
    return {
        count: moving.length,
        transitions: [...new Set(moving.flatMap(el => style(el).transitionDuration.split(', ')))],
        animations: moving
            .map(el => [style(el).animationName, style(el).animationDuration])
            .filter(([name, duration]) => name !== 'none' && duration !== '0s'),
        scroll: style(document.documentElement).scrollBehavior,
    };
}"""


def motion_on_article(browser, site_url, preference):
    page = new_page(browser, reduced_motion=preference)
    page.goto(site_url + ARTICLE_URL)
    return page.evaluate(MOTION)


def test_reduced_motion_turns_off_transitions_animations_and_smooth_scrolling(browser, site_url):
    # Without the preference the page does move: the check below is not vacuous.
    moving = motion_on_article(browser, site_url, "no-preference")
    assert moving["transitions"] != ["0s"]
    assert moving["scroll"] == "smooth"

    still = motion_on_article(browser, site_url, "reduce")
    assert still["count"] > 10
    assert still["transitions"] == ["0s"]
    assert still["animations"] == []
    assert still["scroll"] == "auto"


# -- 10. 200% zoom ------------------------------------------------------------------------

# At 200% zoom a 1280 px window lays pages out 640 CSS px wide.
ZOOMED = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}

CLIPPED = """(selector) => {
    const region = document.querySelector(selector);
    if (!region) return null;
    const width = document.documentElement.clientWidth;
    const hidesOverflow = el => getComputedStyle(el).overflowX !== 'visible';
    const clipped = [region, ...region.querySelectorAll('*')]
        .filter(el => el.checkVisibility() && !el.closest('.visually-hidden'))
        .filter(el => el.getBoundingClientRect().right > width + 1
            || (hidesOverflow(el) && el.scrollWidth > el.clientWidth + 1))
        .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    return clipped.slice(0, 5);
}"""


@pytest.mark.parametrize(
    ("url", "regions"),
    [
        ("/", [".site-header"]),
        ("/book/", [".site-header", "main form"]),
        (ARTICLE_URL, [".site-header", "main article"]),
    ],
)
def test_page_reflows_at_200_percent_zoom_without_sideways_scroll(browser, site_url, url, regions):
    page = new_page(browser, **ZOOMED)
    page.goto(site_url + url)
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client_width == 640
    assert scroll_width <= client_width
    for region in regions:
        clipped = page.evaluate(CLIPPED, region)
        assert clipped == [], f"{region}: {clipped}"


# -- 11. target size ----------------------------------------------------------------------

TARGETS = """() => {
    const selector = 'header a, nav a, footer a, .button, button, summary, '
        + 'input:not([type=hidden]), select, textarea';
    // An inline link inside a sentence is exempt from WCAG 2.5.8.
    const inSentence = el => getComputedStyle(el).display === 'inline' && el.closest('p');
    return [...document.querySelectorAll(selector)]
        .filter(el => el.checkVisibility() && !inSentence(el))
        .map(el => {
            const box = el.getBoundingClientRect();
            return {
                name: el.tagName.toLowerCase() + ' ' + (el.id || el.innerText.trim().slice(0, 30)),
                x: box.left, y: box.top, width: box.width, height: box.height,
            };
        });
}"""


def distance_to_box(x, y, box) -> float:
    dx = max(box["x"] - x, 0, x - (box["x"] + box["width"]))
    dy = max(box["y"] - y, 0, y - (box["y"] + box["height"]))
    return math.hypot(dx, dy)


def too_small_and_too_close(targets) -> list[str]:
    """WCAG 2.5.8: a target under 24x24 passes if a 24 px circle centred on it touches no
    other target and no other small target's circle."""
    small = [t for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
    centre = {id(t): (t["x"] + t["width"] / 2, t["y"] + t["height"] / 2) for t in targets}
    radius = MIN_TARGET / 2
    failing = []
    for target in small:
        x, y = centre[id(target)]
        crowded = any(
            other is not target
            and (
                distance_to_box(x, y, other) < radius
                or (other in small and math.dist((x, y), centre[id(other)]) < 2 * radius)
            )
            for other in targets
        )
        if crowded:
            failing.append(f"{target['name']} ({target['width']:.0f}x{target['height']:.0f})")
    return failing


def test_spacing_rule_catches_small_targets_side_by_side():
    tiny = {"name": "a", "x": 0, "y": 0, "width": 10, "height": 10}
    neighbour = {"name": "b", "x": 12, "y": 0, "width": 10, "height": 10}
    far = {"name": "c", "x": 100, "y": 0, "width": 10, "height": 10}
    assert too_small_and_too_close([tiny, neighbour]) == ["a (10x10)", "b (10x10)"]
    assert too_small_and_too_close([tiny, far]) == []


@pytest.mark.parametrize("url", ["/", "/book/"])
def test_tap_targets_are_24_px_or_spaced_apart_on_a_phone(browser, site_url, url):
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + url)
    targets = page.evaluate(TARGETS)
    assert len(targets) > 8
    assert too_small_and_too_close(targets) == []


# -- 12. focus style ----------------------------------------------------------------------

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        name: el.tagName.toLowerCase() + ' ' + (el.id || el.innerText.trim().slice(0, 30)),
        tag: el.tagName.toLowerCase(),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== 'none',
    };
}"""


@pytest.mark.parametrize("url", ["/", "/book/"])
def test_every_element_reached_with_tab_shows_a_focus_ring(browser, site_url, url):
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + url)
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STYLE)
        if state["tag"] == "body" or (seen and state["name"] == seen[0]["name"]):
            break  # tabbed past the end of the page
        seen.append(state)
    assert len(seen) > 10
    assert {"a", "summary" if url == "/" else "button"} & {s["tag"] for s in seen}
    # Focus on the calendar or clock button inside a date or time field leaves the field
    # itself matching :focus-within, which the stylesheet rings as well.
    unmarked = [s["name"] for s in seen if not (s["outline"] or s["shadow"])]
    assert unmarked == []


def test_a_link_has_no_ring_until_it_is_focused(browser, site_url):
    """The ring comes from focus, not from a permanent border that would mean nothing."""
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + "/")
    link = page.locator(".site-nav a").first
    assert link.evaluate("el => getComputedStyle(el).outlineStyle") == "none"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('.site-nav')") is not None:
            break
    else:
        pytest.fail("Tab never reached the main navigation")
    assert link.evaluate("el => getComputedStyle(el).outlineStyle") != "none"


# -- 13. without JavaScript ---------------------------------------------------------------


def test_article_reads_and_its_faq_opens_without_javascript(browser, site_url):
    article = demo_guide()
    page = new_page(browser, viewport=MOBILE, java_script_enabled=False)
    page.goto(site_url + ARTICLE_URL)
    assert page.locator("h1").inner_text() == article.title
    assert page.locator("nav.toc").is_visible()
    assert page.locator(".hero-image").is_visible()

    item = page.locator("details.faq__item").first
    answer = item.locator(".prose")
    assert not answer.is_visible()
    item.locator("summary").click()
    assert item.get_attribute("open") is not None
    assert answer.is_visible() and answer.inner_text().strip()


def test_booking_form_works_without_javascript(browser, site_url):
    service = make_service(options=[(45, "50.00"), (75, "70.00")])
    option = service.ordered_session_options().last()
    page = new_page(browser, viewport=MOBILE, java_script_enabled=False)
    page.goto(site_url + "/book/")
    page.locator("#id_service").select_option(service.slug)
    page.locator("#id_session").select_option(str(option.pk))
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_load_state()
    page.locator("fieldset.booking-day").first.locator("input[name=times]").first.check()

    page.locator("#id_name").fill("Margaret Holmes")
    page.locator("#id_email").fill("margaret@example.com")
    page.locator("#id_phone").fill("07700 900123")
    page.get_by_label("New client").check()
    assert page.locator("#id_website").input_value() == ""
    # The form refuses anything sent faster than a person could fill it in.
    page.wait_for_timeout(3_500)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()
    booking = BookingRequest.objects.get()
    assert booking.email == "margaret@example.com"
    assert booking.service_id == service.pk
    assert booking.session_minutes == option.duration_minutes
    assert not QuarantinedSubmission.objects.exists()
