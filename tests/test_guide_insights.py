"""What her guides bring in: the dashboard's charts of views and bookings, and the page each
booking request came from, recorded through the real booking form."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import BookingRequest
from page_views import counting
from page_views.models import PageViewDay

from .factories import make_booking_request, make_guide, make_service, make_superuser
from .page_reading import (
    accessible_name,
    element,
    headings,
    hrefs,
    links,
    read,
    section_headed,
    visible_text,
    words,
)
from .posts import booking_data

VIEWS = "Guides read in the last 30 days"
BOOKINGS = "Booking requests received in the last 30 days"

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(autouse=True)
def empty_tally():
    counting.discard_pending()
    yield
    counting.discard_pending()


@pytest.fixture
def treatment(demo_site):
    return make_service(title="Neck and shoulder massage", options=((45, "40.00"),))


@pytest.fixture
def guide(treatment):
    return make_guide(title="Easing a stiff neck", related_services=[treatment])


def dashboard(client):
    client.force_login(make_superuser())
    response = client.get("/admin/")
    assert response.status_code == 200
    return read(response.content)


def panel(html, heading: str):
    found = section_headed(html, heading)
    assert found is not None, heading
    return found


def bars(panel) -> list[tuple[str, int, int]]:
    """(label, value, length) of each bar of the chart: its hover title and its width."""
    found = []
    for bar in panel.find_all("rect"):
        label, value = bar.parent.find("title").get_text().rsplit(": ", 1)
        found.append((label, int(value), int(bar["width"])))
    return found


def came_from_field(client, url, **extra) -> str:
    """Where the form that books says the visitor came from (shown once a length is chosen)."""
    field = element(client.get(url, **extra).content, "input[name=came_from]")
    assert field is not None, "the booking form carries a came_from field"
    assert field["type"] == "hidden"
    return field.get("value", "")


def carried_from(client, url, **extra) -> str:
    """What the form that chooses a length carries on to the next page: where the visitor
    came from, so that "Show free times" keeps it."""
    field = element(client.get(url, **extra).content, "form#booking-choice input[name=from]")
    return field.get("value", "") if field is not None else ""


def test_the_dashboard_charts_the_most_read_guides_of_the_last_30_days(client, guide):
    other = make_guide(title="Sleeping well with back pain")
    forgotten = make_guide(title="An old favourite")
    for _ in range(3):
        client.get(guide.url, HTTP_USER_AGENT=BROWSER)
    client.get(other.url, HTTP_USER_AGENT=BROWSER)
    counting.flush()
    today = timezone.localdate()
    PageViewDay.objects.create(path=other.url, day=today - datetime.timedelta(days=29), views=1)
    PageViewDay.objects.create(
        path=forgotten.url, day=today - datetime.timedelta(days=30), views=50
    )
    PageViewDay.objects.create(path="/", day=today, views=100)  # not a guide

    views_panel = panel(dashboard(client), VIEWS)

    assert bars(views_panel) == [
        ("Easing a stiff neck", 3, 240),
        ("Sleeping well with back pain", 2, 160),
    ]
    assert "An old favourite" not in visible_text(views_panel)
    # A screen reader hears the chart as one image with its summary.
    (chart,) = views_panel.select("[role=img]")
    assert "Easing a stiff neck: 3" in accessible_name(chart)
    assert chart.find("title").get_text() == chart["aria-label"]
    # Nothing the content security policy would refuse.
    assert not views_panel.select("[style], style, script")


def test_bars_are_as_long_as_their_share_of_the_largest(client, guide):
    other = make_guide(title="Sleeping well with back pain")
    today = timezone.localdate()
    PageViewDay.objects.create(path=guide.url, day=today, views=40)
    PageViewDay.objects.create(path=other.url, day=today, views=10)

    assert bars(panel(dashboard(client), VIEWS)) == [
        ("Easing a stiff neck", 40, 240),
        ("Sleeping well with back pain", 10, 60),
    ]


def test_the_dashboard_charts_booking_requests_per_treatment(client, treatment):
    other = make_service(title="Hot stone massage")
    for _ in range(2):
        make_booking_request(service=treatment)
    make_booking_request(service=other)
    make_booking_request(service=other, created_at=timezone.now() - datetime.timedelta(days=31))

    bookings_panel = panel(dashboard(client), BOOKINGS)

    # It counts the requests received in those days, whatever their status or date.
    assert headings(bookings_panel)[0] == (2, "Booking requests received in the last 30 days (3)")
    assert bars(bookings_panel) == [
        ("Neck and shoulder massage", 2, 240),
        ("Hot stone massage", 1, 120),
    ]


def test_the_dashboard_names_the_guides_that_led_to_bookings(client, guide, treatment):
    make_booking_request(service=treatment, came_from=guide.url)
    make_booking_request(service=treatment, came_from=guide.url)
    make_booking_request(service=treatment, came_from=treatment.url)
    make_booking_request(service=treatment)

    bookings_panel = panel(dashboard(client), BOOKINGS)

    rows = [
        [words(cell.get_text()) for cell in row.find_all("td")]
        for row in bookings_panel.find_all("tr")
    ]
    assert [row for row in rows if row] == [
        ["Easing a stiff neck", "Guide", "2"],
        ["Neck and shoulder massage", "Treatment", "1"],
    ]
    assert links(bookings_panel.find("table")) == [
        ("Easing a stiff neck", f"/admin/pages/{guide.pk}/edit/"),
        ("Neck and shoulder massage", f"/admin/pages/{treatment.pk}/edit/"),
    ]


def test_booking_links_on_guides_and_treatments_say_where_they_are(client, guide, treatment):
    guide_links = hrefs(client.get(guide.url).content)
    assert any(
        href.endswith(f"/book/?service={treatment.slug}&from={guide.url}") for href in guide_links
    )
    treatment_links = hrefs(client.get(treatment.url).content)
    assert any(
        href.endswith(f"/book/?service={treatment.slug}&from={treatment.url}")
        for href in treatment_links
    )


def test_a_booking_sent_through_the_form_records_the_guide_it_came_from(client, guide, treatment):
    assert carried_from(client, f"/book/?service={treatment.slug}&from={guide.url}") == guide.url
    session = treatment.session_options.first().pk
    came_from = came_from_field(
        client, f"/book/?service={treatment.slug}&session={session}&from={guide.url}"
    )
    assert came_from == guide.url

    response = client.post("/book/", booking_data(treatment, came_from=came_from))

    assert response.status_code == 302
    assert BookingRequest.objects.get().came_from == guide.url


def test_without_from_the_same_site_referer_is_recorded(client, guide):
    assert carried_from(client, "/book/", HTTP_REFERER=f"http://testserver{guide.url}") == (
        guide.url
    )
    assert carried_from(client, "/book/", HTTP_REFERER="https://elsewhere.example/blog/") == ""
    assert carried_from(client, "/book/") == ""
    assert carried_from(client, "/book/", HTTP_REFERER="http://testserver/book/") == ""


def test_a_tampered_came_from_is_dropped_and_the_booking_still_accepted(client, treatment):
    data = booking_data(treatment, came_from="https://elsewhere.example/advert?x=1")

    assert client.post("/book/", data).status_code == 302
    assert BookingRequest.objects.get().came_from == ""


def test_practice_staff_see_the_bookings_panel_but_not_the_guides(staff_client, treatment):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    html = response.content
    assert section_headed(html, BOOKINGS) is not None
    assert section_headed(html, "Guides read in the last") is None
    assert section_headed(html, "Guides due a review") is None
