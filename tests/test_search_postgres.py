"""Site search on PostgreSQL: its own full-text search, in English.

The demo site under gunicorn on a fresh PostgreSQL database (tests/postgres_site.py), whose
every session defaults to the 'simple' text-search configuration (no stemming, no stop
words): whatever English does here, the site asked for itself (practice/settings/base.py).
The searches both databases share are in tests/test_search.py, which the suite's
PostgreSQL leg runs there too.
"""

import urllib.parse
import urllib.request

import pytest
from bs4 import BeautifulSoup
from django.utils.text import slugify

from .servers import run_in_site_process

pytestmark = pytest.mark.postgres

POSTGRES_SITE_ENV = {"PGOPTIONS": "-c default_text_search_config=pg_catalog.simple"}

SORE_CALVES = "Sore calves after a long run"
PILLOWS = "Pillows that help during pregnancy"
SCIATICA_GUIDE = "/blog/massage-for-sciatica-relief/"


@pytest.fixture(scope="module")
def site(postgres_site):
    """The site with two guides of its own, published as an editor would."""
    run_in_site_process(
        postgres_site.env,
        "from tests.factories import make_guide\n"
        f"make_guide(title={SORE_CALVES!r}, date='2027-02-01')\n"
        f"make_guide(title={PILLOWS!r}, date='2027-02-02')\n",
    )
    return postgres_site


def guide_url(title: str) -> str:
    return f"/blog/{slugify(title)}/"


def result_links(site, query: str) -> list[str]:
    """The links a visitor's search lists, in order, from the site's own /search/ page."""
    url = f"{site.base_url}/search/?{urllib.parse.urlencode({'q': query})}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        soup = BeautifulSoup(response.read(), "html.parser")
    return [a["href"] for a in soup.select("ol.search-results a")]


def test_the_sites_sessions_would_default_to_simple(site):
    shown = run_in_site_process(
        site.env,
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW default_text_search_config')\n"
        "    print(cursor.fetchone()[0])\n",
    )
    assert shown.split()[-1] == "pg_catalog.simple"


def test_a_guide_is_indexed_in_english_stems_without_little_words(site):
    rows = site.query(
        "SELECT tsvector_to_array(e.title) FROM wagtailsearch_indexentry e "
        "JOIN wagtailcore_page p ON e.object_id = p.id::text WHERE p.title = %s",
        SORE_CALVES,
    )
    # "calves" stemmed, "after" and "a" left out: the 'simple' default would keep all six.
    assert [sorted(lexemes) for (lexemes,) in rows] == [["calv", "long", "run", "sore"]]


def test_a_search_finds_a_guide_by_another_english_form_of_its_words(site):
    assert result_links(site, "soreness") == [guide_url(SORE_CALVES)]
    assert result_links(site, "pillow") == [guide_url(PILLOWS)]


def test_english_little_words_need_not_be_in_the_page(site):
    # "during" is an English stop word (not one of the site's own): a guide need not have it.
    assert result_links(site, "soreness during") == [guide_url(SORE_CALVES)]
    assert result_links(site, "pillows during pregnancy") == [guide_url(PILLOWS)]


@pytest.mark.parametrize("query", ["massaging", "massages"])
def test_a_visitors_search_for_massage_finds_the_guides_and_treatments(site, query):
    links = result_links(site, query)
    assert SCIATICA_GUIDE in links
    assert "/services/deep-tissue-massage/" in links
    assert links == result_links(site, "massage")


def test_sciatic_finds_the_sciatica_guide_first(site):
    assert result_links(site, "sciatic")[0] == SCIATICA_GUIDE
