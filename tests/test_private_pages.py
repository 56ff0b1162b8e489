"""A page in a private section is listed nowhere a visitor looks."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from blog.models import BlogPage
from home import private_sections, request_memo
from services.models import ServicePage

from .articles import publish_article

pytestmark = pytest.mark.django_db

ARTICLE = "/blog/massage-for-sciatica-relief/"


def make_private(page):
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )


def test_a_private_article_is_listed_on_no_page(client, demo_site):
    article = BlogPage.objects.get()
    other = publish_article("Desk stretches")
    make_private(article)

    for url in ["/", "/blog/", f"{other.url}"]:
        html = client.get(url).content.decode()
        assert ARTICLE not in html, url
    assert "password" in client.get(ARTICLE).content.decode().lower()


def test_a_private_service_is_listed_on_no_page(client, demo_site):
    service = ServicePage.objects.get(slug="swedish-massage")
    make_private(service)

    for url in ["/", "/services/"]:
        html = client.get(url).content.decode()
        assert 'href="/services/swedish-massage/"' not in html, url


def test_a_page_under_a_private_section_asks_for_the_password(client, demo_site):
    # The check walks up to the blog index, not only the article itself.
    make_private(BlogPage.objects.get().get_parent())

    response = client.get(ARTICLE)
    assert "password" in response.content.decode().lower()
    assert "Massage for Sciatica Relief" not in response.content.decode()


def test_a_request_reads_the_private_sections_once(client, demo_site):
    client.get(ARTICLE)
    with CaptureQueriesContext(connection) as captured:
        client.get(ARTICLE)
    reads = [q for q in captured.captured_queries if "wagtailcore_pageviewrestriction" in q["sql"]]
    assert len(reads) == 1


def test_a_restriction_saved_during_a_request_is_seen_in_the_same_request(demo_site, rf):
    article = BlogPage.objects.get()

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
    assert "password" in client.get("/services/deep-tissue-massage/").content.decode().lower()
    assert client.get("/contact/").status_code == 404
