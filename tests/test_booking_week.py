"""Her week at a glance: confirmed appointments and open requests, day by day, in the
practice's time zone, for practice staff only, and readable on a 390 px phone."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from bookings.models import BookingRequest

from .browser_support import MOBILE, new_page, sign_in
from .factories import make_booking_request, make_staff_user, make_superuser
from .page_reading import elements_named, links, visible_text, words
from .test_staff_admin import menu_links

pytestmark = pytest.mark.django_db

WEEK_URL = "/admin/booking_requests/week/"
UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def confirmed(name, start, **fields) -> BookingRequest:
    """Confirmed for the first choice, at ``start`` exactly."""
    return make_booking_request(
        name,
        start - datetime.timedelta(minutes=30),
        status=BookingRequest.Status.CONFIRMED,
        confirmed_window=1,
        appointment_start=start,
        **fields,
    )


def week_page(client, week: str | None = None) -> str:
    response = client.get(WEEK_URL, {"week": week} if week else {})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def days(page: str) -> dict[str, str]:
    """The week's days as {"Tuesday 9 July": the day's text}."""
    found = {}
    for heading in elements_named(page, "h3"):
        date = words(heading.find(string=True))  # without the "Today" tag after it
        found[date] = visible_text(heading.find_parent("li"))
    return found


def test_the_week_shows_appointments_and_open_requests_on_their_days(staff_client):
    ann = confirmed("Ann Archer", utc(2030, 7, 9, 9, 30), service_title="Swedish Massage")
    bea = make_booking_request("Bea Baker", utc(2030, 7, 10, 13, 0))  # new: first choice
    make_booking_request("Dee Declined", utc(2030, 7, 11, 9, 0), status="declined")
    make_booking_request("Cal Cancelled", utc(2030, 7, 11, 10, 0), status="cancelled")
    confirmed("Next Ned", utc(2030, 7, 16, 9, 0))

    page = week_page(staff_client, "2030-07-10")  # any day of the week will do
    week = days(page)

    assert list(week) == [
        "Monday 8 July",
        "Tuesday 9 July",
        "Wednesday 10 July",
        "Thursday 11 July",
        "Friday 12 July",
        "Saturday 13 July",
        "Sunday 14 July",
    ]
    assert "10:30–11:30 Ann Archer Swedish Massage, 60 min" in week["Tuesday 9 July"]
    assert "Request" not in week["Tuesday 9 July"]
    # A request is shown at the client's first choice, and says it is a request.
    assert "14:00–16:00 Bea Baker Sports Massage, 60 min" in week["Wednesday 10 July"]
    assert "Request, not answered: first choice" in week["Wednesday 10 July"]
    assert "Nothing booked." in week["Thursday 11 July"]
    for absent in ("Dee Declined", "Cal Cancelled", "Next Ned"):
        assert absent not in page
    assert "1 appointment, 1 request not answered yet" in page
    assert (
        "10:30–11:30 Ann Archer Swedish Massage, 60 min",
        f"/admin/booking_requests/inspect/{ann.pk}/",
    ) in links(page)
    assert (
        "14:00–16:00 Bea Baker Sports Massage, 60 min Request, not answered: first choice",
        f"/admin/booking_requests/inspect/{bea.pk}/",
    ) in links(page)
    assert "bookings/admin/booking-week.css" in page  # through insert_global_admin_css


def test_the_week_never_shows_health_notes_email_or_phone(staff_client):
    confirmed(
        "Ann Archer",
        utc(2030, 7, 9, 9, 0),
        notes="Recovering from a slipped disc",
        email="ann@example.com",
        phone="07700 900456",
    )
    page = week_page(staff_client, "2030-07-09")
    assert "Ann Archer" in page
    for private in ("slipped disc", "ann@example.com", "07700 900456"):
        assert private not in page


def test_days_follow_the_practice_clock_across_the_change_to_summer_time(staff_client):
    # The clocks in London go forward at 01:00 UTC on Sunday 31 March 2030.
    confirmed("Monday Early", utc(2030, 3, 25, 0, 30))  # 00:30 GMT, the week's first hour
    confirmed("Saturday Sam", utc(2030, 3, 30, 10, 0))  # 10:00 GMT
    confirmed("Sunday Sue", utc(2030, 3, 31, 9, 0))  # 10:00 BST
    confirmed("Next Monday Nat", utc(2030, 3, 31, 23, 30))  # 00:30 BST on Monday 1 April

    week = days(week_page(staff_client, "2030-03-27"))
    assert "00:30–01:30 Monday Early" in week["Monday 25 March"]
    assert "10:00–11:00 Saturday Sam" in week["Saturday 30 March"]
    assert "10:00–11:00 Sunday Sue" in week["Sunday 31 March"]
    assert not any("Next Monday Nat" in text for text in week.values())

    next_week = days(week_page(staff_client, "2030-04-01"))
    assert "00:30–01:30 Next Monday Nat" in next_week["Monday 1 April"]


def test_days_follow_the_practice_clock_when_summer_time_ends(staff_client):
    # Back to GMT at 01:00 UTC on Sunday 27 October 2030: that Sunday has 25 hours.
    confirmed("Sunday Late", utc(2030, 10, 27, 23, 30))  # 23:30 GMT, still Sunday
    confirmed("Saturday Night", utc(2030, 10, 26, 22, 30))  # 23:30 BST, still Saturday
    week = days(week_page(staff_client, "2030-10-21"))
    assert "23:30–00:30 Saturday Night" in re.sub(r"Sun \d+ \w+, ", "", week["Saturday 26 October"])
    assert "Sunday Late" in week["Sunday 27 October"]


def test_previous_next_and_this_week_lead_where_they_say(staff_client):
    page = week_page(staff_client, "2030-07-10")
    assert "Mon 8 Jul – Sun 14 Jul 2030" in page
    assert ("Previous week", f"{WEEK_URL}?week=2030-07-01") in links(page)
    assert ("Next week", f"{WEEK_URL}?week=2030-07-15") in links(page)
    assert "Mon 15 Jul – Sun 21 Jul 2030" in week_page(staff_client, "2030-07-15")
    assert ("This week", WEEK_URL) in links(page)

    today = timezone.localdate()
    this_week = week_page(staff_client)
    monday = today - datetime.timedelta(days=today.weekday())
    assert f"{monday:%a} {monday.day} {monday:%b}" in this_week
    assert ("This week", WEEK_URL) not in links(this_week)
    assert "Today" in this_week


@pytest.mark.parametrize("week", ["next tuesday", "2030-02-30", "0001-01-01", "9999-12-31"])
def test_a_week_that_is_not_a_date_shows_this_week_and_says_so(staff_client, week):
    page = week_page(staff_client, week)
    assert "is not a date we can read" in page
    assert ("This week", WEEK_URL) not in links(page)


def test_only_practice_staff_and_superusers_see_the_week(client, demo_site):
    for user in (make_staff_user("robin"), make_superuser("therapist")):
        client.force_login(user)
        links = menu_links(client)
        assert links["Week at a glance"] == WEEK_URL
        labels = list(links)
        assert labels.index("Week at a glance") == labels.index("Booking requests") + 1
        assert client.get(WEEK_URL).status_code == 200

    client.force_login(make_staff_user("eddie", "Editors"))
    assert "Week at a glance" not in menu_links(client)
    refused = client.get(WEEK_URL, follow=True)
    assert refused.redirect_chain == [("/admin/", 302)]
    assert "you do not have permission" in refused.content.decode()

    client.logout()
    response = client.get(WEEK_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# -- on a phone, in Chromium -----------------------------------------------------------

PASSWORD = "a-long-passphrase"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_week_fits_a_390px_phone_without_scrolling_sideways(browser, site_url):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    for offset, name in enumerate(
        ["Margaret Featherstonehaugh-Cholmondeley", "Priya Raman", "Declan O'Sullivan-Whitmore"]
    ):
        start = datetime.datetime.combine(
            monday + datetime.timedelta(days=offset * 2),
            datetime.time(10),
            tzinfo=timezone.get_default_timezone(),
        )
        if offset == 1:
            make_booking_request(name, start, service_title="Hot Stone and Aromatherapy Massage")
        else:
            confirmed(name, start, service_title="Deep Tissue Massage")
    make_staff_user("robin", password=PASSWORD)

    page = new_page(browser, viewport=MOBILE, has_touch=True)
    refused = []  # what the Content-Security-Policy blocked, as Chromium reports it
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    sign_in(page, site_url, "robin", PASSWORD)

    page.get_by_role("button", name="Toggle sidebar").tap()
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Week at a glance").tap()
    page.wait_for_url(re.compile(r"/admin/booking_requests/week/$"))
    assert page.get_by_role("heading", name="Week at a glance").is_visible()

    assert page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
    overflowing = page.evaluate(
        """(width) => [...document.querySelectorAll('.booking-week *, .booking-week__nav *')]
            .filter(el => el.offsetParent !== null)
            .filter(el => el.getBoundingClientRect().right > width
                || el.scrollWidth > el.clientWidth + 1)
            .map(el => el.tagName + ': ' + el.innerText.trim().slice(0, 40))""",
        MOBILE["width"],
    )
    assert overflowing == []
    # One column: each day below the one before.
    tops = page.locator(".booking-week__day").evaluate_all(
        "days => days.map(day => day.getBoundingClientRect().top)"
    )
    assert len(tops) == 7 and tops == sorted(tops) and len(set(tops)) == 7
    assert page.get_by_text("Request, not answered: first choice").is_visible()

    page.get_by_role("link", name=re.compile("Priya Raman")).tap()
    page.wait_for_url(re.compile(r"/admin/booking_requests/inspect/\d+/$"))
    assert "Priya Raman" in page.locator("main").inner_text()
    assert refused == []
