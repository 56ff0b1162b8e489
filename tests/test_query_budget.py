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
    "/": 15,
    "/services/": 15,
    "/services/deep-tissue-massage/": 15,
    "/blog/": 15,
    "/book/": 15,
    "/sitemap.xml": 15,
    "/sitemap-pages.xml": 15,
    "/sitemap-articles.xml": 15,
    "/blog/feed/": 15,
}
# An article, routed by Wagtail's own route(): it reads each page on the way as its own
# type, then the article's author and picture (bench/NOTES.md has the rest). Its related
# guides' pictures, when they have any, take one more query for their renditions.
ARTICLE_BUDGET = 14


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
