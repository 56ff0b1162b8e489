"""The booking page as a visitor meets it on a 390 px phone, in Debian's Chromium.

The visitor picks a treatment and a length, then a day and a time, and books: confirmed at
once for a treatment she books instantly, a request otherwise. Only the chosen treatment's
lengths are offered; with JavaScript the times come without a reload, without it "Show free
times" reloads the page. From the treatment to the button it is at most 3 screens; every
field keeps its visible label; axe finds nothing; the keyboard alone books.
"""

import pytest

from bookings.models import BookingRequest
from services.models import ServicePage

from .browser_support import MOBILE, new_page
from .quality.chromium import AXE_JS, axe_violations, describe_violations, require
from .test_browser import focused

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # See tests/browser_support.py: the live server's threads cannot close the shared connection.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

SCREENS = 3
# The form refuses anything sent faster than a person could fill it in (3 s in tests).
FILL_TIME_MS = 3_200


def watch_console(page) -> list[str]:
    """Errors in the browser's console, a Content-Security-Policy violation among them."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def services_in_order() -> list[ServicePage]:
    return list(ServicePage.objects.live().order_by("path"))


def session_offer(page) -> dict:
    """What the session-length list offers now: its value, and each option's treatment."""
    return page.evaluate(
        """() => {
            const select = document.querySelector('#id_session');
            return {
                value: select.value,
                options: [...select.options].filter(o => o.value)
                    .map(o => [o.value, o.dataset.service, o.parentElement.label]),
            };
        }"""
    )


def lengths_of(service: ServicePage) -> list[list[str]]:
    return [
        [str(option.pk), service.slug, service.title]
        for option in service.ordered_session_options()
    ]


# -- with JavaScript -------------------------------------------------------------------------


def test_with_javascript_only_the_chosen_treatments_lengths_are_offered(browser, site_url):
    first, *_, last = services_in_order()
    every_length = [length for service in services_in_order() for length in lengths_of(service)]
    page = new_page(browser, viewport=MOBILE)
    errors = watch_console(page)
    page.goto(site_url + "/book/")

    # Before a treatment is chosen, every length is there, under its treatment.
    assert session_offer(page) == {"value": "", "options": every_length}

    page.locator("#id_service").select_option(first.slug)
    assert session_offer(page) == {"value": "", "options": lengths_of(first)}
    chosen = lengths_of(first)[-1][0]
    page.locator("#id_session").select_option(chosen)

    # Another treatment: its own lengths only, and the first one's length is cleared.
    page.locator("#id_service").select_option(last.slug)
    assert session_offer(page) == {"value": "", "options": lengths_of(last)}
    assert page.locator("#id_session").evaluate("el => el.selectedOptions[0].text") == (
        "Choose a session length"
    )

    # A treatment page's "Book" link preselects its treatment, and its lengths alone.
    page.goto(f"{site_url}/book/?service={last.slug}")
    assert page.locator("#id_service").input_value() == last.slug
    assert session_offer(page) == {"value": "", "options": lengths_of(last)}
    assert errors == []


# -- the journeys ------------------------------------------------------------------------------


def fill_in_about_you(page) -> None:
    page.locator("#id_name").fill("Margaret Holmes")
    page.locator("#id_email").fill("margaret@example.com")
    page.locator("#id_phone").fill("07700 900123")
    page.get_by_label("Returning client").check()


def pick_the_first_free_time(page) -> str:
    """Tick (or choose) the first time of the first day, open; its value."""
    first = page.locator("fieldset.booking-day").first.locator("input[name=times]").first
    first.check()
    return first.get_attribute("value")


def first_day_group(page):
    """The first day's group of times, found as a person does: by its legend."""
    return page.locator("fieldset.booking-day").first


def book_instantly(service: ServicePage) -> None:
    service.booking_mode = ServicePage.BookingMode.INSTANT
    service.save_revision().publish()


def test_with_javascript_a_time_of_an_instant_treatment_is_booked_at_once(browser, site_url):
    require(AXE_JS, what="axe-core (npm ci)")
    service = services_in_order()[0]
    book_instantly(service)
    option = service.ordered_session_options().last()
    page = new_page(browser, viewport=MOBILE)
    errors = watch_console(page)
    page.goto(site_url + "/book/")
    assert not page.locator("fieldset.booking-day").count()

    page.locator("#id_service").select_option(service.slug)
    page.locator("#id_session").select_option(str(option.pk))
    # The times come without a reload: the choice form was never sent.
    day = first_day_group(page)
    day.wait_for()
    assert page.get_by_role("group", name="Choose your time").is_visible()
    assert page.locator("#booking-times-status").inner_text().startswith("Choose your time")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    first_time = day.get_by_role("radio").first
    wanted = first_time.get_attribute("value")
    first_time.check()
    fill_in_about_you(page)
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your appointment is booked"

    booking = BookingRequest.objects.get()
    assert booking.status == BookingRequest.Status.CONFIRMED
    assert booking.chosen_window()[0].isoformat() == wanted
    assert (booking.service_id, booking.session_minutes) == (service.pk, option.duration_minutes)
    assert errors == []


def test_without_javascript_the_free_times_come_by_day_and_a_request_takes_two(browser, site_url):
    service = services_in_order()[-1]
    option = service.ordered_session_options().first()
    page = new_page(browser, viewport=MOBILE, java_script_enabled=False)
    page.goto(f"{site_url}/book/?service={service.slug}")
    assert page.locator("#id_service").input_value() == service.slug
    # Every length sits under its treatment's name, so the visitor can tell them apart.
    groups = page.locator("#id_session optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == [
        s.title for s in services_in_order()
    ]
    page.locator("#id_session").select_option(str(option.pk))
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_load_state()

    # The first day is open; the next opens from its summary (the day's name).
    days = page.locator("details.booking-day-fold")
    assert days.count() >= 2
    assert days.nth(0).get_attribute("open") is not None
    assert days.nth(1).get_attribute("open") is None
    days.nth(1).locator("summary").click()
    picked = [days.nth(n).get_by_role("checkbox").first for n in (0, 1)]
    wanted = [box.get_attribute("value") for box in picked]
    for box in picked:
        box.check()
    fill_in_about_you(page)
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()

    booking = BookingRequest.objects.get()
    assert booking.status == BookingRequest.Status.NEW
    assert [start.isoformat() for _n, start, _end in booking.windows()] == wanted


# -- on a phone: short, labelled, readable ------------------------------------------------------


LAYOUT = """() => {
    const form = document.querySelector('form.booking-form');
    const choice = document.querySelector('form.booking-choice');
    const visible = el => el.checkVisibility();
    const fields = [...form.querySelectorAll('input, select, textarea')]
        .filter(el => el.type !== 'hidden' && visible(el));
    const box = el => el.getBoundingClientRect();
    return {
        form: box(form).bottom - box(choice).top,
        page: document.documentElement.scrollHeight,
        sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        fields: fields.map(el => {
            const label = el.labels && el.labels[0];
            const group = el.closest('fieldset');
            const row = el.type === 'radio' || el.type === 'checkbox' ? label : el;
            return {
                id: el.id,
                type: el.type,
                label: label && visible(label) ? label.innerText.trim() : '',
                legend: group ? group.querySelector('legend').innerText.trim() : '',
                fontSize: parseFloat(getComputedStyle(el).fontSize),
                labelSize: label ? parseFloat(getComputedStyle(label).fontSize) : 0,
                height: box(row).height,
            };
        }),
        targets: [...form.querySelectorAll('summary, button')].filter(visible)
            .map(el => [el.innerText.trim(), box(el).height]),
    };
}"""


def test_on_a_phone_the_booking_is_at_most_three_screens_and_every_field_labelled(
    browser, site_url
):
    service = services_in_order()[0]
    option = service.ordered_session_options().last()
    page = new_page(browser, viewport=MOBILE)
    page.goto(f"{site_url}/book/?service={service.slug}&session={option.pk}")
    layout = page.evaluate(LAYOUT)
    heights = f"treatment to button {layout['form']:.0f} px, whole page {layout['page']} px"
    assert layout["form"] <= SCREENS * MOBILE["height"], heights
    assert not layout["sideways"]

    assert len(layout["fields"]) >= 15
    for field in layout["fields"]:
        assert field["label"], f"{field['id']} has no visible label"
        assert field["legend"], f"{field['id']} is in no group with a legend"
        # Readable text, and inputs that a phone does not zoom into (16 px or more).
        assert field["labelSize"] >= 16, field
        if field["type"] not in {"radio", "checkbox"}:
            assert field["fontSize"] >= 16, field
        # A 44 px tap target: the input itself, or the row of a radio or tick box's label.
        assert field["height"] >= 44, field
    for text, height in layout["targets"]:
        assert height >= 44, text


# -- the keyboard alone -------------------------------------------------------------------------


def press_until_value(page, key: str, wanted: str, limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == wanted:
            return
        page.keyboard.press(key)
    pytest.fail(f"{key} never reached {wanted!r} in {focused(page)}")


def test_a_time_is_booked_with_the_keyboard_alone(browser, site_url):
    """Tab and Shift+Tab move, arrow keys choose, Space ticks, letters are typed, Enter
    sends. Nothing is clicked. The visitor first picks the wrong treatment and its length,
    goes back with Shift+Tab, and changes it: the stale length is cleared."""
    wrong, *_, service = services_in_order()
    book_instantly(service)
    option = service.ordered_session_options().last()
    page = new_page(browser, viewport=MOBILE)
    errors = watch_console(page)
    page.goto(site_url + "/book/")
    text = {
        "name": "Margaret Holmes",
        "email": "margaret@example.com",
        "phone": "07700 900123",
        "notes": "Sciatica in the left leg",
    }
    done: set[str] = set()
    for _ in range(300):
        page.keyboard.press("Tab")
        element = focused(page)
        name = element["name"]
        if element["tag"] == "button" and element["text"] == "Book this time":
            break
        if name in text and name not in done:
            page.keyboard.type(text[name])
            done.add(name)
        elif name == "client_type" and name not in done:
            page.keyboard.press("ArrowRight")  # from "New client" to "Returning client"
            done.add(name)
        elif name == "service" and name not in done:
            press_until_value(page, "ArrowDown", wrong.slug)
            done.add(name)
        elif name == "session" and name not in done:
            assert session_offer(page)["options"] == lengths_of(wrong)
            press_until_value(page, "ArrowDown", lengths_of(wrong)[0][0])
            page.keyboard.press("Shift+Tab")
            assert focused(page)["name"] == "service"
            press_until_value(page, "ArrowDown", service.slug)
            page.keyboard.press("Tab")
            assert focused(page)["name"] == "session"
            assert session_offer(page) == {"value": "", "options": lengths_of(service)}
            press_until_value(page, "ArrowDown", str(option.pk))
            # The chosen length's times have come: those of a treatment booked instantly.
            page.get_by_role("button", name="Book this time").wait_for()
            done.add(name)
        elif name == "times" and name not in done:
            page.keyboard.press("Space")
            done.add(name)
        elif name == "notes_consent" and name not in done:
            page.keyboard.press("Space")
            done.add(name)
    else:
        pytest.fail(f"Tab never reached the button; last at {focused(page)}, done {done}")

    wanted = {*text, "client_type", "service", "session", "times", "notes_consent"}
    assert done == wanted, f"not reached: {wanted - done}"
    page.wait_for_timeout(FILL_TIME_MS)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your appointment is booked"

    booking = BookingRequest.objects.get()
    assert (booking.service_id, booking.session_minutes) == (service.pk, option.duration_minutes)
    assert booking.status == BookingRequest.Status.CONFIRMED
    assert booking.client_type == BookingRequest.ClientType.RETURNING
    assert booking.notes == "Sciatica in the left leg" and booking.notes_consent_at
    assert errors == []
