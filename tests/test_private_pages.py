"""A page in a private section is listed nowhere a visitor looks."""

import pytest
from wagtail.models import PageViewRestriction

from blog.models import BlogPage
from services.models import ServicePage

pytestmark = pytest.mark.django_db

ARTICLE = "/blog/massage-for-sciatica-relief/"


def make_private(page):
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )


def test_a_private_article_is_listed_on_no_page(client, demo_site):
    article = BlogPage.objects.get()
    other = BlogPage(title="Desk stretches", slug="desk-stretches", date="2026-10-01", intro="-")
    article.get_parent().add_child(instance=other)
    other.save_revision().publish()
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
