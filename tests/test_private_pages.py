"""A page in a private section is listed nowhere a visitor looks."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from blog.models import BlogPage
from home import private_sections, request_memo

from .factories import make_guide, make_service
from .page_reading import hrefs

pytestmark = pytest.mark.django_db


def make_private(page):
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )


def test_a_private_article_is_listed_on_no_page(client, demo_site):
    private = make_guide(title="Members only", date="2030-01-02")
    other = make_guide(title="Desk stretches", date="2030-01-01")
    for url in ["/", "/blog/", other.url]:
        assert private.url in client.get(url).content.decode(), url

    make_private(private)

    for url in ["/", "/blog/", other.url]:
        assert private.url not in client.get(url).content.decode(), url
    assert "password" in client.get(private.url).content.decode().lower()


def test_a_private_service_is_listed_on_no_page(client, demo_site):
    service = make_service(title="Hot Stone Massage", featured=True)
    for url in ["/", "/services/"]:
        assert service.url in hrefs(client.get(url).content), url

    make_private(service)

    for url in ["/", "/services/"]:
        assert service.url not in hrefs(client.get(url).content), url


def test_a_page_under_a_private_section_asks_for_the_password(client, demo_site):
    guide = make_guide(title="Easing a stiff neck")
    # The check walks up to the blog index, not only the article itself.
    make_private(guide.get_parent())

    response = client.get(guide.url)
    assert "password" in response.content.decode().lower()
    assert "Easing a stiff neck" not in response.content.decode()


def test_a_request_reads_the_private_sections_once(client, demo_site):
    url = make_guide().url
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    reads = [q for q in captured.captured_queries if "wagtailcore_pageviewrestriction" in q["sql"]]
    assert len(reads) == 1


def test_a_restriction_saved_during_a_request_is_seen_in_the_same_request(demo_site, rf):
    article = make_guide()

    def a_request(request):
        before = private_sections.view_restrictions()
        make_private(article)
        return before, private_sections.view_restrictions()

    before, after = request_memo.middleware(a_request)(rf.get("/"))
    assert before == []
    assert [restriction.page_id for restriction in after] == [article.pk]
    assert not BlogPage.objects.live().exclude(private_sections.private_q()).filter(pk=article.pk)


def test_the_menu_leaves_out_private_and_unpublished_top_level_pages(client, demo_site):
    services = demo_site.get_children().get(slug="services")
    make_private(services)
    contact = demo_site.get_children().get(slug="contact")
    contact.unpublish()

    menu = [
        a["href"]
        for a in BeautifulSoup(client.get("/").content, "html.parser").select(".site-nav a")
    ]
    assert "/services/" not in menu and "/contact/" not in menu
    assert "/blog/" in menu
    service = services.get_children().live().first()
    assert "password" in client.get(service.url).content.decode().lower()
    assert client.get("/contact/").status_code == 404
