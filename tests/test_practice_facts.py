"""Each fact about the practice has one home, and every page and file that shows it reads it there:
the sizes pictures are made at, the currency, the practice's name, its JSON-LD identity."""

import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template, TemplateSyntaxError
from icalendar import Calendar
from wagtail.images.models import Rendition

from bookings.ics import PRODID, booking_calendar
from bookings.models import BookingRequest
from home.prices import format_price
from services.forms import CONSENT_VERSION, CONSENT_WORDINGS
from services.models import SessionOption

from .demo import DEMO_URLS
from .factories import make_booking_request, make_guide, make_service, set_practice_details
from .page_reading import elements_named, visible_text, words

pytestmark = pytest.mark.django_db


def json_ld(client, url) -> list[dict]:
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


# -- picture sizes ---------------------------------------------------------------------


def test_pages_show_only_the_renditions_made_ahead_of_their_first_view(client, demo_site):
    made_ahead = Rendition.objects.count()  # the demo loader makes them (prerender_renditions)
    for url in DEMO_URLS:
        assert client.get(url).status_code == 200
    assert Rendition.objects.count() == made_ahead


def test_a_picture_size_no_table_names_is_a_clear_template_error():
    template = Template('{% load practice_tags %}{% sized_picture image "banner" %}')
    with pytest.raises(TemplateSyntaxError, match="No picture size 'banner'; the sizes are hero"):
        template.render(Context({"image": None}))


# -- currency --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [("60.00", "GBP", "£60"), ("62.50", "EUR", "€62.50"), ("60.00", "CHF", "60 CHF")],
)
def test_a_price_is_written_in_its_currency(amount, currency, shown):
    assert format_price(Decimal(amount), currency) == shown


def test_prices_follow_the_practice_currency_on_the_price_list_and_the_booking_form(
    client, demo_site
):
    service = make_service(options=[(60, "62.50")])
    set_practice_details(currency="EUR")

    page = BeautifulSoup(client.get(service.url).content, "html.parser")
    (price_list,) = [
        visible_text(table)
        for table in page.find_all("table")
        if "Price" in [words(column.get_text()) for column in table.find_all("th", scope="col")]
    ]
    assert "€62.50" in price_list and "£" not in price_list
    booking_form = client.get("/book/").content.decode()
    sessions = [words(option.get_text()) for option in elements_named(booking_form, "option")]
    assert "60 minutes – €62.50" in sessions
    assert not [session for session in sessions if "minutes – £" in session]
    (data,) = [item for item in json_ld(client, service.url) if item["@type"] == "Service"]
    assert [offer["priceCurrency"] for offer in data["offers"]] == ["EUR"]


# -- the practice's name -----------------------------------------------------------------


def test_the_consent_box_names_the_practice_from_its_settings(client, demo_site):
    set_practice_details(name="Kind Hands Clinic")

    # The consent box is in the part that books, shown once a length is chosen.
    session = SessionOption.objects.filter(page__live=True).first()
    html = client.get(f"/book/?session={session.pk}").content.decode()
    assert "I agree that Kind Hands Clinic may store the health notes" in html
    assert "Calm Hands" not in html


def test_every_consent_version_a_request_may_store_keeps_its_own_words():
    # The stored version is the record of what the visitor agreed to: the current one is
    # in the table, and the first one still reads as visitors saw it.
    assert CONSENT_VERSION in CONSENT_WORDINGS
    assert CONSENT_WORDINGS["2026-11-health-notes-v1"].startswith(
        "I agree that Calm Hands Massage Therapy may store"
    )


def test_the_calendar_file_names_the_practice_but_not_as_the_program_that_wrote_it(demo_site):
    practice = set_practice_details(name="Kind Hands Clinic")
    booking = make_booking_request(
        service_title="Hot Stone Massage",
        status=BookingRequest.Status.CONFIRMED,
        confirmed_window=1,
    )

    calendar = Calendar.from_ical(booking_calendar(booking, practice))
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Hot Stone Massage at Kind Hands Clinic"
    assert str(calendar["prodid"]) == PRODID
    assert "Kind Hands" not in PRODID and "Calm Hands" not in PRODID


# -- the organisation's JSON-LD ------------------------------------------------------------


def test_the_practice_is_described_once_and_named_by_its_id_everywhere_else(client, demo_site):
    guide, treatment = make_guide(), make_service()
    set_practice_details(name="Kind Hands Clinic")

    (business,) = [b for b in json_ld(client, "/") if b["@type"] == "HealthAndBeautyBusiness"]
    (article,) = [b for b in json_ld(client, guide.url) if b["@type"] == "Article"]
    (service,) = [b for b in json_ld(client, treatment.url) if b["@type"] == "Service"]
    reference = {key: business[key] for key in ("@type", "@id", "name", "url")}
    assert reference["@id"] == "http://testserver/#practice"
    assert reference["name"] == "Kind Hands Clinic"
    assert article["publisher"] == reference
    assert service["provider"] == reference
