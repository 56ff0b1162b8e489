"""The newest guides, which the blog shows on others' pages: the home page, and a search that
found nothing. Newest first, three at most, only live and public ones."""

import pytest
from bs4 import BeautifulSoup
from wagtail.models import PageViewRestriction

from .articles import publish_article

pytestmark = pytest.mark.django_db

SCIATICA_GUIDE = "/blog/massage-for-sciatica-relief/"


def guide_links(client, url: str, heading_id: str) -> list[str]:
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    section = soup.find(id=heading_id).find_parent("section")
    return [a["href"] for a in section.find_all("a")]


@pytest.fixture
def more_guides(demo_site):
    publish_article("Desk stretches", date="2020-01-01")  # the fourth newest: left out
    newest = publish_article("Sleeping with a sore back", date="2030-03-01")
    newer = publish_article("Massage after running", date="2030-02-01")
    draft = publish_article("Unfinished thoughts", date="2030-04-01")
    draft.unpublish()
    private = publish_article("Members only", date="2030-05-01")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    return [newest.url, newer.url, SCIATICA_GUIDE]


def test_the_home_page_shows_the_three_newest_live_public_guides(client, more_guides):
    assert guide_links(client, "/", "articles-heading") == more_guides


def test_a_search_that_finds_nothing_offers_the_same_newest_guides(client, more_guides):
    assert guide_links(client, "/search/?q=zzzzqx", "suggested-guides") == more_guides
