"""SQL queries per page, rendered without the page cache: bounded, and flat as content grows.

Measured as production meets an uncached page: the page cache is off (the test
settings' default), and the request is the second one, so renditions and Wagtail's
site root paths are already in the shared cache, as they are after the demo command
or any first view.
"""

import io

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
# The target for an article is 12. Wagtail's routing (the site, the home page,
# the blog index), the two settings objects (practice details and SEO) and the article's
# own related content take it to 13, or 14 when related guides have pictures: see
# bench/NOTES.md.
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


@pytest.mark.xfail(strict=True, reason="article target of 12 queries not met yet: see RESULTS.md")
def test_an_article_renders_in_twelve_queries(client, demo_site):
    assert queries_for(client, ARTICLE) <= 12


@pytest.mark.parametrize(
    "url", ["/blog/", "/blog/?page=2", "/sitemap.xml", "/sitemap-articles.xml", "/blog/feed/", "/"]
)
def test_ten_times_the_articles_cost_no_extra_query(client, demo_site, url):
    call_command("generate_articles", 19, stdout=io.StringIO())
    few = queries_for(client, url)
    call_command("generate_articles", 180, stdout=io.StringIO())
    many = queries_for(client, url)
    assert many == few


def test_a_cached_page_costs_no_query(client, demo_site, settings, django_assert_num_queries):
    settings.PAGE_CACHE_ENABLED = True
    caches["default"].clear()
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
