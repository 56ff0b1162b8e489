"""The booking form as a visitor meets it on a 390 px phone, in Debian's Chromium.

Only the chosen treatment's session lengths are offered, with JavaScript and without; the
form is at most 3.5 screens tall; every field keeps its visible label; and the whole form can
be filled in and sent with the keyboard alone.
"""

import datetime

import pytest

from bookings.models import BookingRequest
from services.models import ServicePage

from .browser_support import MOBILE, new_page
from .open_days import next_weekday
from .test_browser import FieldTyping, focused

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # See tests/browser_support.py: the live server's threads cannot close the shared connection.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

SCREENS = 3.5
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


# -- without JavaScript ------------------------------------------------------------------------


def fill_the_rest(page, first_day, second_day) -> None:
    page.locator("#id_name").fill("Margaret Holmes")
    page.locator("#id_email").fill("margaret@example.com")
    page.locator("#id_phone").fill("07700 900123")
    page.get_by_label("Returning client").check()
    for number, day, start, end in [
        (1, first_day, "10:00", "12:00"),
        (2, second_day, "14:00", "16:00"),
    ]:
        page.locator(f"#id_window_{number}_date").fill(day.isoformat())
        page.locator(f"#id_window_{number}_from").fill(start)
        page.locator(f"#id_window_{number}_until").fill(end)


def test_without_javascript_lengths_are_grouped_and_a_mismatch_is_refused(browser, site_url):
    first, *_, last = services_in_order()
    page = new_page(browser, viewport=MOBILE, java_script_enabled=False)
    errors = watch_console(page)
    page.goto(f"{site_url}/book/?service={last.slug}")
    assert page.locator("#id_service").input_value() == last.slug

    # Every length sits under its treatment's name, so the visitor can tell them apart.
    groups = page.locator("#id_session optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == [
        service.title for service in services_in_order()
    ]
    assert page.locator(f'#id_session optgroup[label="{last.title}"] option').count() == len(
        lengths_of(last)
    )

    # A length of another treatment reaches the server: refused next to the field.
    fill_the_rest(page, next_weekday(4), next_weekday(6))
    page.locator("#id_session").select_option(lengths_of(first)[0][0])
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()
    session = page.locator("#id_session")
    assert session.get_attribute("aria-invalid") == "true"
    error = page.locator("#id_session_error")
    assert error.is_visible()
    assert f"session lengths offered for {last.title}" in error.inner_text()
    assert "id_session_error" in session.get_attribute("aria-describedby").split()
    assert not BookingRequest.objects.exists()

    # Everything typed is kept; choosing one of the treatment's own lengths is enough.
    assert page.locator("#id_name").input_value() == "Margaret Holmes"
    wanted = last.ordered_session_options().last()
    session.select_option(str(wanted.pk))
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()
    booking = BookingRequest.objects.get()
    assert (booking.service_id, booking.session_minutes) == (last.pk, wanted.duration_minutes)
    # The refused post is answered 400, which Chromium reports; nothing else went wrong.
    assert [error for error in errors if "status of 400" not in error] == []


def test_without_javascript_the_third_choice_opens_and_is_stored(browser, site_url):
    page = new_page(browser, viewport=MOBILE, java_script_enabled=False)
    page.goto(site_url + "/book/")
    third_date = page.locator("#id_window_3_date")
    assert not third_date.is_visible()
    page.get_by_text("Add a third choice (optional)").click()
    assert third_date.is_visible()

    fill_the_rest(page, next_weekday(4), next_weekday(6))
    service = services_in_order()[0]
    page.locator("#id_service").select_option(service.slug)
    page.locator("#id_session").select_option(lengths_of(service)[0][0])
    third_date.fill(next_weekday(8).isoformat())
    page.locator("#id_window_3_from").fill("09:30")
    page.locator("#id_window_3_until").fill("11:30")
    page.wait_for_timeout(FILL_TIME_MS)
    page.get_by_role("button", name="Send booking request").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()
    assert len(BookingRequest.objects.get().windows()) == 3


# -- on a phone: short, labelled, readable ------------------------------------------------------

LAYOUT = """() => {
    const form = document.querySelector('form.booking-form');
    const visible = el => el.checkVisibility();
    const fields = [...form.querySelectorAll('input, select, textarea')]
        .filter(el => el.type !== 'hidden' && visible(el));
    const box = el => el.getBoundingClientRect();
    return {
        form: box(form).height,
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


def test_on_a_phone_the_form_is_at_most_three_and_a_half_screens_and_every_field_labelled(
    browser, site_url
):
    page = new_page(browser, viewport=MOBILE)
    page.goto(site_url + "/book/")
    layout = page.evaluate(LAYOUT)
    heights = f"form {layout['form']:.0f} px, whole page {layout['page']} px"
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

    # Opened, the third choice is labelled in the same way.
    page.get_by_text("Add a third choice (optional)").click()
    opened = {field["id"]: field for field in page.evaluate(LAYOUT)["fields"]}
    assert opened["id_window_3_from"]["label"] == "Third choice: from (optional)"
    assert opened["id_window_3_from"]["legend"] == "Third choice (optional)"


# -- the keyboard alone -------------------------------------------------------------------------


def press_until_value(page, key: str, wanted: str, limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == wanted:
            return
        page.keyboard.press(key)
    pytest.fail(f"{key} never reached {wanted!r} in {focused(page)}")


def test_the_whole_form_is_filled_and_sent_with_the_keyboard_alone(browser, site_url):
    """Tab and Shift+Tab move, arrow keys choose, Space ticks and opens, letters are typed,
    Enter sends. Nothing is clicked. The visitor first picks the wrong treatment and its
    length, goes back with Shift+Tab, and changes it: the stale length is cleared."""
    typing = FieldTyping(browser)
    wrong, *_, service = services_in_order()
    option = service.ordered_session_options().last()
    page = new_page(browser, viewport=MOBILE)
    errors = watch_console(page)
    page.goto(site_url + "/book/")

    days = {1: next_weekday(3), 2: next_weekday(5), 3: next_weekday(8)}
    times = {1: (10, 12), 2: (14, 16), 3: (9, 11)}
    text = {
        "name": "Margaret Holmes",
        "email": "margaret@example.com",
        "phone": "07700 900123",
        "notes": "Sciatica in the left leg",
    }
    for number, day in days.items():
        text[f"window_{number}_date"] = typing.date(day)
        text[f"window_{number}_from"] = typing.time(datetime.time(times[number][0]))
        text[f"window_{number}_until"] = typing.time(datetime.time(times[number][1]))

    done: set[str] = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        element = focused(page)
        name = element["name"]
        if element["tag"] == "button" and element["text"] == "Send booking request":
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
            # Only the wrong treatment's lengths are offered; the visitor takes one.
            assert session_offer(page)["options"] == lengths_of(wrong)
            press_until_value(page, "ArrowDown", lengths_of(wrong)[0][0])
            # Back to the treatment, and the right one: the wrong length is cleared.
            page.keyboard.press("Shift+Tab")
            assert focused(page)["name"] == "service"
            press_until_value(page, "ArrowDown", service.slug)
            page.keyboard.press("Tab")
            assert focused(page)["name"] == "session"
            assert session_offer(page) == {"value": "", "options": lengths_of(service)}
            press_until_value(page, "ArrowDown", str(option.pk))
            done.add(name)
        elif element["tag"] == "summary" and "summary" not in done:
            assert element["text"] == "Add a third choice (optional)"
            page.keyboard.press("Space")
            done.add("summary")
        elif name == "notes_consent" and name not in done:
            page.keyboard.press("Space")
            done.add(name)
    else:
        pytest.fail("Tab never reached the submit button")

    wanted = {*text, "client_type", "service", "session", "summary", "notes_consent"}
    assert done == wanted, f"not reached: {wanted - done}"
    page.wait_for_timeout(FILL_TIME_MS)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you", page.locator("main").inner_text()

    booking = BookingRequest.objects.get()
    assert (booking.service_id, booking.session_minutes) == (service.pk, option.duration_minutes)
    assert booking.client_type == BookingRequest.ClientType.RETURNING
    assert len(booking.windows()) == 3
    assert booking.notes == "Sciatica in the left leg" and booking.notes_consent_at
    assert errors == []
