"""The one rule (home/page_requests.py) that the page cache, its warming and the page-view
counter share: which paths are pages, who is an anonymous visitor, which pages hold a form,
and which requests the warmer sent. Asked directly, without HTTP."""

import pytest
from django.conf import settings
from django.test import RequestFactory

from blog.models import BlogIndexPage, BlogPage
from home.models import HomePage, StandardPage
from home.page_requests import WARMING, is_anonymous, is_form_page, is_page_path, is_warming
from services.models import BookingPage, ContactPage, ServicePage

NOT_PAGES = [
    # the admins, each spelled as a visitor or a proxy might spell it
    "/admin/",
    "/admin",
    "/admin/pages/3/edit/",
    "/ADMIN/",
    "/Admin",
    "//admin/",
    "/%61dmin/",
    "/blog/../admin/",
    "/./admin/",
    "/django-admin/",
    "/django-admin/auth/user/",
    "/cms/",
    # documents and the search page
    "/documents/4/price-list.pdf",
    "/documents",
    "/search/",
    "/search",
    "/Search/",
    # static files and media
    "/static/css/site.css",
    "/static",
    "//static/css/site.css",
    "/media/images/stones.width-800.jpg",
    "/%6Dedia/images/stones.width-800.jpg",
    # a form's thank-you page
    "/book/thanks/",
    "/contact/thanks",
    # addresses that are secrets in themselves
    "/book/appointment/41-3-AbCdEf0123456789_xyz/",
    "/calendar/ZrhbEsvpBMBMxAe09AzjnAUAkCh.ics",
    "/%63alendar/ZrhbEsvpBMBMxAe09AzjnAUAkCh.ics",
    "/admin/password_reset/confirm/MQ/dj8dev-eda27b9eb699c03ce5f6/",
]
PAGES = [
    "/",
    "/blog/",
    "/blog/massage-for-sciatica-relief/",
    "/services/",
    "/book/",
    "/contact/",
    # pages whose first word only begins like a place that is not a page
    "/administration-fees/",
    "/searching-for-relief/",
    "/media-coverage/",
    "/static-stretches/",
    "/documents-to-bring/",
    "/blog/thanks-to-our-clients/",
    # what the site answers besides pages, and its cache keeps
    "/sitemap.xml",
    "/robots.txt",
    "/blog/feed/",
]


@pytest.mark.parametrize("path", NOT_PAGES)
def test_a_path_outside_the_pages_is_not_a_page_however_it_is_spelled(path):
    assert not is_page_path(path)


@pytest.mark.parametrize("path", PAGES)
def test_the_sites_pages_are_pages(path):
    assert is_page_path(path)


def test_static_files_and_media_follow_their_settings(settings):
    settings.STATIC_URL = "/assets/"
    settings.MEDIA_URL = "https://pictures.example/uploads/"  # a bucket's: not this site's

    assert not is_page_path("/assets/css/site.css")
    assert is_page_path("/static-stretches/")
    assert is_page_path("/uploads-explained/")


def request_with(cookies=(), **meta):
    request = RequestFactory().get("/blog/", **meta)
    for name in cookies:
        request.COOKIES[name] = "value"
    return request


@pytest.mark.parametrize(
    ("cookies", "anonymous"),
    [
        ((), True),
        (("csrftoken",), True),
        (("messages",), True),
        ((settings.SESSION_COOKIE_NAME,), False),
        ((settings.SESSION_COOKIE_NAME, "csrftoken"), False),
    ],
)
def test_only_a_visitor_without_a_session_is_anonymous(cookies, anonymous):
    assert is_anonymous(request_with(cookies)) is anonymous


def test_a_signed_in_visitor_is_not_anonymous(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("sam", password="x"))
    request = request_with()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}

    assert not is_anonymous(request)


@pytest.mark.parametrize(
    ("page_type", "form"),
    [
        (ContactPage, True),
        (BookingPage, True),
        (HomePage, False),
        (StandardPage, False),
        (ServicePage, False),
        (BlogIndexPage, False),
        (BlogPage, False),
    ],
)
def test_form_pages_are_told_by_their_type_and_by_each_page(page_type, form):
    assert is_form_page(page_type) is form
    assert is_form_page(page_type(title="A page", slug="a-page")) is form


@pytest.mark.parametrize(
    ("meta", "warming"),
    [
        ({WARMING: True}, True),
        ({}, False),
        # What a visitor can send: a header of any name becomes an HTTP_ key.
        ({"HTTP_PRACTICE.PAGE_WARMING": "True"}, False),
        ({"HTTP_PRACTICE_PAGE_WARMING": "1"}, False),
        ({"HTTP_USER_AGENT": "practice-page-warmer"}, False),
        # Only the warmer's own value: not any truthy text.
        ({WARMING: "1"}, False),
    ],
)
def test_only_the_warmers_own_mark_makes_a_warming_request(meta, warming):
    assert is_warming(request_with(**meta)) is warming
