"""The newest guides, which the blog shows on others' pages: the home page, and a search that
found nothing. Newest first, three at most, only live and public ones."""

import pytest
from bs4 import BeautifulSoup
from wagtail.models import PageViewRestriction

from .factories import make_guide

pytestmark = pytest.mark.django_db


def guide_links(client, url: str, heading_id: str) -> list[str]:
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    section = soup.find(id=heading_id).find_parent("section")
    return [a["href"] for a in section.find_all("a")]


@pytest.fixture
def more_guides(demo_site):
    """Guides newer than any other, some of them unpublished or private: the three newest
    live and public ones, newest first."""
    make_guide(title="Desk stretches", date="2030-01-01")  # the fourth newest: left out
    newest = make_guide(title="Sleeping with a sore back", date="2030-03-01")
    newer = make_guide(title="Massage after running", date="2030-02-01")
    third = make_guide(title="Walking with sciatica", date="2030-01-15")
    draft = make_guide(title="Unfinished thoughts", date="2030-04-01")
    draft.unpublish()
    private = make_guide(title="Members only", date="2030-05-01")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    return [newest.url, newer.url, third.url]


def test_the_home_page_shows_the_three_newest_live_public_guides(client, more_guides):
    assert guide_links(client, "/", "articles-heading") == more_guides


def test_a_search_that_finds_nothing_offers_the_same_newest_guides(client, more_guides):
    assert guide_links(client, "/search/?q=zzzzqx", "suggested-guides") == more_guides
