import json

import pytest
from bs4 import BeautifulSoup

from .demo import DEMO_URLS
from .factories import (
    faq,
    make_author,
    make_guide,
    make_image,
    make_service,
    set_practice_details,
)

pytestmark = pytest.mark.django_db

# The properties each schema.org type needs before search engines will use it.
REQUIRED = {
    "HealthAndBeautyBusiness": {"name", "url", "address", "telephone", "openingHoursSpecification"},
    "BreadcrumbList": {"itemListElement"},
    "Article": {"headline", "author", "datePublished", "image", "publisher"},
    "Service": {"name", "provider", "offers"},
    "FAQPage": {"mainEntity"},
}


def json_ld_blocks(client, url):
    html = client.get(url).content.decode()
    scripts = BeautifulSoup(html, "html.parser").find_all("script", type="application/ld+json")
    return [json.loads(script.string) for script in scripts]


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_json_ld_block_parses_and_has_its_required_properties(client, demo_site, url):
    blocks = json_ld_blocks(client, url)
    assert blocks, f"{url} emits no structured data"
    for data in blocks:
        assert data["@context"] == "https://schema.org"
        missing = REQUIRED[data["@type"]] - data.keys()
        assert not missing, f"{url}: {data['@type']} lacks {missing}"


@pytest.mark.parametrize("url", [url for url in DEMO_URLS if url != "/"])
def test_every_page_below_home_has_a_breadcrumb_trail_ending_at_itself(client, demo_site, url):
    (trail,) = [b for b in json_ld_blocks(client, url) if b["@type"] == "BreadcrumbList"]
    items = trail["itemListElement"]
    assert items[0]["item"] == "http://testserver/"
    assert items[-1]["item"] == f"http://testserver{url}"
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))


def test_home_page_describes_the_practice_as_a_local_business(client, demo_site):
    set_practice_details(
        name="Kind Hands Clinic",
        postcode="HG4 1AA",
        latitude="54.136800",
        longitude="-1.523400",
        opening_hours=[
            {"type": "hours", "value": {"days": ["Monday"], "opens": "08:30", "closes": "12:00"}}
        ],
    )
    (business,) = [
        b for b in json_ld_blocks(client, "/") if b["@type"] == "HealthAndBeautyBusiness"
    ]
    assert business["name"] == "Kind Hands Clinic"
    assert business["url"] == "http://testserver/"
    assert business["address"]["postalCode"] == "HG4 1AA"
    assert business["geo"] == {"@type": "GeoCoordinates", "latitude": 54.1368, "longitude": -1.5234}
    assert business["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["https://schema.org/Monday"],
            "opens": "08:30",
            "closes": "12:00",
        }
    ]


def test_article_names_its_author_as_a_person_and_the_practice_home_as_publisher(client, demo_site):
    guide = make_guide(
        author=make_author("Jo Example", credentials="BSc Sports Therapy"),
        hero_image=make_image(),
    )
    (article,) = [b for b in json_ld_blocks(client, guide.url) if b["@type"] == "Article"]
    assert article["author"] == {
        "@type": "Person",
        "name": "Jo Example",
        "jobTitle": "BSc Sports Therapy",
    }
    # wagtail-seo's own publisher URL is the current page (its #83); ours is the home page.
    assert article["publisher"]["url"] == "http://testserver/"
    assert "fill-1200x630" in article["image"][0]


def test_article_faq_lists_every_question_with_its_answer(client, demo_site):
    guide = make_guide(
        body=[
            faq(
                ("Does it hurt?", "<p>It should <b>never</b> be sharp.</p>"),
                ("How long is a session?", "<p>An hour, with time to talk first.</p>"),
            )
        ]
    )
    (questions,) = [b for b in json_ld_blocks(client, guide.url) if b["@type"] == "FAQPage"]
    assert {q["name"]: q["acceptedAnswer"]["text"] for q in questions["mainEntity"]} == {
        "Does it hurt?": "It should never be sharp.",
        "How long is a session?": "An hour, with time to talk first.",
    }


def test_service_offers_carry_prices_in_the_practice_currency(client, demo_site):
    service = make_service(options=[(45, "50.00"), (75, "72.50")])
    (data,) = [b for b in json_ld_blocks(client, service.url) if b["@type"] == "Service"]
    offers = {offer["name"]: (offer["price"], offer["priceCurrency"]) for offer in data["offers"]}
    assert offers == {
        "45-minute session": ("50.00", "GBP"),
        "75-minute session": ("72.50", "GBP"),
    }
    assert data["provider"]["url"] == "http://testserver/"


def test_editor_text_cannot_break_out_of_the_json_ld_script(client, demo_site):
    service = make_service(summary="</script><script>alert(1)</script>")
    html = client.get(service.url).content.decode()
    assert "</script><script>alert(1)" not in html
    (data,) = [b for b in json_ld_blocks(client, service.url) if b["@type"] == "Service"]
    assert data["description"] == "</script><script>alert(1)</script>"
