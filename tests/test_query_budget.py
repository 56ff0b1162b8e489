"""SQL queries per page, rendered without the page cache: bounded, and flat as content grows.

Measured as production meets an uncached page: the page cache is off (the test
settings' default), and the request is the second one, so renditions and Wagtail's
site root paths are already in the shared cache, as they are after the demo command
or any first view.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate_articles import generate_articles
from blog.models import BlogPage

from .factories import make_guide

pytestmark = pytest.mark.django_db

ARTICLE = "/blog/massage-for-sciatica-relief/"
BUDGETS = {
    "/": 10,
    "/services/": 11,
    "/services/deep-tissue-massage/": 11,
    "/blog/": 11,
    "/book/": 10,
    "/sitemap.xml": 5,
    "/sitemap-pages.xml": 11,
    "/sitemap-articles.xml": 5,
    "/blog/feed/": 7,
}
# An article, routed by Wagtail's own route(): the site, then each page on the way, by
# slug and as its own type (the article with its author and picture); the private
# sections; both site settings; the menu with the pages the body links to; related
# treatments, topics and related guides (bench/NOTES.md). Its related guides' pictures,
# when they have any, take one more query for their renditions.
ARTICLE_BUDGET = 12


def queries_for(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [*BUDGETS, ARTICLE])
def test_each_page_type_renders_within_its_query_budget(
    client, demo_site, django_assert_max_num_queries, url
):
    client.get(url)
    with django_assert_max_num_queries(BUDGETS.get(url, ARTICLE_BUDGET)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/blog/", "/blog/?page=2", "/sitemap.xml", "/sitemap-articles.xml", "/blog/feed/", "/"]
)
def test_ten_times_the_articles_cost_no_extra_query(client, demo_site, url):
    generate_articles(19)
    few = queries_for(client, url)
    generate_articles(180)
    many = queries_for(client, url)
    assert many == few


def test_a_cached_page_costs_no_query(client, demo_site, settings, django_assert_num_queries):
    settings.PAGE_CACHE_ENABLED = True  # and empty: tests/conftest.py empties it
    for url in [
        "/",
        "/services/",
        "/blog/",
        ARTICLE,
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/blog/feed/",
    ]:
        client.get(url)
        with django_assert_num_queries(0):
            assert client.get(url)["X-Page-Cache"] == "hit"


def test_an_article_with_pictured_related_guides_takes_one_query_more(client, demo_site):
    article = BlogPage.objects.get()
    for number in range(3):
        make_guide(title=f"Guide {number}", hero_image=article.hero_image)

    assert queries_for(client, ARTICLE) == ARTICLE_BUDGET + 1
