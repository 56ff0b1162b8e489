import json

import pytest
from bs4 import BeautifulSoup

from .conftest import DEMO_URLS

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
    (business,) = [
        b for b in json_ld_blocks(client, "/") if b["@type"] == "HealthAndBeautyBusiness"
    ]
    assert business["url"] == "http://testserver/"
    assert business["address"]["postalCode"] == "HG1 2AB"
    assert business["geo"] == {"@type": "GeoCoordinates", "latitude": 53.9931, "longitude": -1.5412}
    assert business["openingHoursSpecification"][0]["opens"] == "09:00"


def test_article_names_the_therapist_as_a_person_and_the_practice_home_as_publisher(
    client, demo_site
):
    (article,) = [
        b
        for b in json_ld_blocks(client, "/blog/massage-for-sciatica-relief/")
        if b["@type"] == "Article"
    ]
    assert article["author"]["@type"] == "Person"
    assert article["author"]["name"] == "Sarah Bennett"
    # wagtail-seo's own publisher URL is the current page (its #83); ours is the home page.
    assert article["publisher"]["url"] == "http://testserver/"
    assert "fill-1200x630" in article["image"][0]


def test_article_faq_lists_every_question_with_its_answer(client, demo_site):
    blocks = json_ld_blocks(client, "/blog/massage-for-sciatica-relief/")
    (faq,) = [b for b in blocks if b["@type"] == "FAQPage"]
    questions = {q["name"]: q["acceptedAnswer"]["text"] for q in faq["mainEntity"]}
    assert set(questions) == {
        "Can massage make sciatica worse?",
        "How many sessions before I feel relief?",
        "Is massage a cure for sciatica?",
    }
    assert "side-lying position" in questions["Can massage make sciatica worse?"]
    assert all(answer and "<" not in answer for answer in questions.values())


def test_service_offers_carry_prices_in_the_practice_currency(client, demo_site):
    (service,) = [
        b
        for b in json_ld_blocks(client, "/services/deep-tissue-massage/")
        if b["@type"] == "Service"
    ]
    offers = {
        offer["name"]: (offer["price"], offer["priceCurrency"]) for offer in service["offers"]
    }
    assert offers == {
        "60-minute session": ("60.00", "GBP"),
        "90-minute session": ("85.00", "GBP"),
    }
    assert service["provider"]["url"] == "http://testserver/"


def test_editor_text_cannot_break_out_of_the_json_ld_script(client, demo_site):
    from services.models import ServicePage

    service = ServicePage.objects.get(slug="swedish-massage")
    service.summary = "</script><script>alert(1)</script>"
    service.save_revision().publish()
    html = client.get("/services/swedish-massage/").content.decode()
    assert "</script><script>alert(1)" not in html
    blocks = json_ld_blocks(client, "/services/swedish-massage/")
    (data,) = [b for b in blocks if b["@type"] == "Service"]
    assert data["description"] == "</script><script>alert(1)</script>"
