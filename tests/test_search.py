"""Site search: one step away on every page, finding treatments by what they help.

The PostgreSQL side of the same searches is in tests/test_hostile_input.py.
"""

import pytest
from bs4 import BeautifulSoup

from blog.models import BlogPage
from search.query import MAX_TERMS, search_terms
from services.models import ServicePage

from . import page_reading
from .browser_support import new_page
from .demo import DEMO_GUIDE_URL as GUIDE
from .demo import DEMO_URLS
from .factories import make_guide, make_service

pytestmark = pytest.mark.django_db

# What the demo's guide on sciatica promises a visitor who searches for it (docs/admin.md).
DEEP_TISSUE = "/services/deep-tissue-massage/"
SWEDISH = "/services/swedish-massage/"


def search(client, query: str) -> BeautifulSoup:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def result_links(client, query: str) -> list[str]:
    return page_reading.result_links(search(client, query))


def suggested_links(soup, heading: str) -> list[str]:
    section = soup.find("h2", string=heading).find_parent("section")
    return [a["href"] for a in section.find_all("a")]


def site_header(soup):
    headers = [h for h in soup.body.find_all("header") if not h.find_parent(["main", "article"])]
    assert len(headers) == 1
    return headers[0]


@pytest.mark.parametrize("url", [*DEMO_URLS, "/search/?q=neck", "/no-such-page/"])
def test_every_page_has_a_labelled_search_form_in_its_header(client, demo_site, url):
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    form = site_header(soup).find("form", attrs={"role": "search"})
    assert form is not None
    assert form["action"] == "/search/"
    assert form["method"] == "get"
    assert form.get("aria-label")
    field = form.find("input", attrs={"name": "q"})
    assert field["type"] == "search"
    label = form.find("label", attrs={"for": field["id"]})
    assert label.get_text(strip=True) == "Search treatments and guides"
    assert form.find("button", attrs={"type": "submit"}).get_text(strip=True) == "Search"


@pytest.mark.parametrize("query", ["sciatic", "sciatica", "Sciatic", "SCIATICA"])
def test_sciatic_finds_the_guide_first_then_the_treatments_that_help_it(client, demo_site, query):
    links = result_links(client, query)
    assert links[0] == GUIDE
    assert set(links[1:]) == {DEEP_TISSUE, SWEDISH}


def test_treatments_are_found_by_what_they_help_and_whom_they_suit(client, demo_site):
    service = make_service(
        benefits=["Loosens a zorbicular jaw"],
        who_it_helps="<p>Suits glimberwick walkers.</p>",
        contraindications="<ul><li>Quandrosis, until your doctor agrees</li></ul>",
    )

    assert result_links(client, "zorbicular") == [service.url]
    assert result_links(client, "glimberwick walkers") == [service.url]
    # "When not to book" never offers a treatment for the very thing it must not treat.
    assert result_links(client, "quandrosis") == []


def test_a_title_holding_the_words_comes_first(client, demo_site):
    in_text = make_guide(
        title="Easing a stiff back",
        intro="Quellmoor stretches, quellmoor breathing and a quellmoor walk each morning.",
        date="2030-01-01",
    )
    in_title = make_service(title="Quellmoor Massage", summary="A gentle treatment.")
    assert result_links(client, "quellmoor") == [in_title.url, in_text.url]


def test_when_no_page_has_every_word_pages_with_any_of_them_are_shown(client, demo_site):
    links = result_links(client, "sciatica flurbleworth")
    assert links[0] == GUIDE
    assert set(links[1:]) == {DEEP_TISSUE, SWEDISH}


def treatments() -> list[str]:
    return [service.url for service in ServicePage.objects.live().order_by("path")]


def newest_guides() -> list[str]:
    return [guide.url for guide in BlogPage.objects.live().order_by("-date")[:3]]


def test_an_empty_search_offers_the_treatments_and_the_newest_guides(client, demo_site):
    for query in ["", "   ", "the and of"]:
        soup = search(client, query)
        assert page_reading.results_list(soup) is None
        assert suggested_links(soup, "Our treatments") == treatments()
        assert suggested_links(soup, "Newest guides") == newest_guides()


def test_a_far_fetched_search_says_so_and_offers_the_treatments_and_newest_guides(
    client, demo_site
):
    soup = search(client, "zzqx flurbleworth")
    assert soup.find("h2").get_text() == "No results for “zzqx flurbleworth”"
    assert suggested_links(soup, "Our treatments") == treatments()
    assert suggested_links(soup, "Newest guides") == newest_guides()
    # And a way to ask a person.
    assert soup.find("main").select('a[href^="tel:"]')


def test_search_words_are_words_only_stemmed_and_without_little_words():
    assert search_terms('"Sciatica" AND (back-pain) OR NOT the* ^ : NEAR(a b)') == [
        "sciatic",
        "back",
        "pain",
        "near",
    ]
    assert search_terms("massages stiffness aches legs stretching") == [
        "massag",
        "stiffness",
        "ach",
        "leg",
        "stretch",
    ]
    assert search_terms("\x00\x01 * ^ : ( ) - ' \" \\") == []
    assert search_terms("x" * 4096) == ["x" * 40]
    assert len(search_terms(" ".join(f"word{n}" for n in range(50)))) == MAX_TERMS


# -- in Chromium, on a small phone and without JavaScript --------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("width", [320, 390])
def test_header_search_fits_a_phone_and_works_without_javascript(browser, site_url, width):
    page = new_page(browser, viewport={"width": width, "height": 700}, java_script_enabled=False)
    page.goto(site_url + "/services/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    field = page.get_by_role("search", name="Site").get_by_label("Search treatments and guides")
    button = page.get_by_role("search", name="Site").get_by_role("button", name="Search")
    field_box, button_box = field.bounding_box(), button.bounding_box()
    for box in (field_box, button_box):
        assert box["height"] >= 24 and box["width"] >= 24
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # Side by side, on one row.
    assert abs(field_box["y"] - button_box["y"]) < 2
    assert field_box["width"] > button_box["width"]

    field.fill("sciatic")
    button.click()
    page.wait_for_url("**/search/?q=sciatic")
    assert page_reading.result_links(page.content())[0] == GUIDE
