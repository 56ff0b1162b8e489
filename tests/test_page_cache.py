"""The full-page cache: every change shows at once, and only anonymous pages are kept."""

import datetime
import gzip
import os
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from wagtail.models import Site
from wagtailseo.models import SeoSettings

from blog.models import BlogIndexPage, BlogPage
from home import page_cache
from home.models import PracticeSettings, StandardPage
from services.models import ServiceIndexPage, ServicePage

from .articles import publish_article, publish_in_another_process
from .servers import copy_test_database, free_port, gunicorn

pytestmark = pytest.mark.django_db

ARTICLE_URL = "/blog/massage-for-sciatica-relief/"
PAGES_SHOWING_ARTICLES = ["/", "/blog/", "/sitemap-articles.xml", "/blog/feed/"]


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    caches["default"].clear()
    yield
    caches["default"].clear()


def fetch(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


def text(client, url, **extra):
    return fetch(client, url, **extra).content.decode()


def warm(client, *urls):
    """Fetch each page twice, and check the second answer came from the cache."""
    for url in urls:
        fetch(client, url)
        assert fetch(client, url)["X-Page-Cache"] == "hit", url


def demo_article():
    return BlogPage.objects.get(slug="massage-for-sciatica-relief")


# -- what a cached page is --------------------------------------------------------------


def test_second_anonymous_request_is_a_hit_with_no_sql_query(
    client, demo_site, django_assert_num_queries
):
    first = fetch(client, ARTICLE_URL)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = fetch(client, ARTICLE_URL)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_cached_pages_hold_no_csrf_token_userbar_or_cookie(client, demo_site):
    for url in ["/", "/services/", "/blog/", ARTICLE_URL, "/privacy/"]:
        response = fetch(client, url)
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html
        assert "wagtail-userbar" not in html
        assert not response.cookies
        assert response["X-Page-Cache"] == "miss"


def test_cached_response_headers_let_browsers_and_cdns_revalidate(client, demo_site):
    fetch(client, ARTICLE_URL)
    response = fetch(client, ARTICLE_URL)
    assert response["Cache-Control"] == "max-age=0, must-revalidate, public"
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"]
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept-Encoding", "Cookie"} <= vary
    assert int(response["Content-Length"]) == len(response.content)


def test_a_matching_etag_gets_304_not_modified(client, demo_site):
    etag = fetch(client, ARTICLE_URL)["ETag"]
    response = client.get(ARTICLE_URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    # Republishing without a change renders the same bytes: still not modified.
    demo_site.save_revision().publish()
    assert client.get(ARTICLE_URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    practice.phone = "+44 1632 960 999"
    practice.save()
    assert client.get(ARTICLE_URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cached_pages_are_sent_gzipped_to_browsers_that_accept_it(client, demo_site):
    plain = fetch(client, ARTICLE_URL)
    for _ in range(2):
        packed = fetch(client, ARTICLE_URL, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 2
    assert packed["ETag"] == plain["ETag"]


def test_with_the_cache_off_pages_still_get_validators_and_gzip(client, demo_site, settings):
    settings.PAGE_CACHE_ENABLED = False
    response = fetch(client, "/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["X-Page-Cache"] == "off"
    assert response["Content-Encoding"] == "gzip"
    assert response["ETag"]
    assert fetch(client, "/")["X-Page-Cache"] == "off"


# -- what bypasses the cache ----------------------------------------------------------


def test_logged_in_editors_bypass_the_cache_and_see_the_userbar(client, demo_site):
    warm(client, ARTICLE_URL)
    editor = get_user_model().objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(editor)
    response = fetch(client, ARTICLE_URL)
    assert response["X-Page-Cache"] == "bypass"
    assert "Cache-Control" in response and "private" in response["Cache-Control"]
    assert "wagtail-userbar" in response.content.decode()
    client.logout()
    client.cookies.clear()
    anonymous = fetch(client, ARTICLE_URL)
    assert anonymous["X-Page-Cache"] == "hit"
    assert "wagtail-userbar" not in anonymous.content.decode()


def test_posts_bypass_the_cache(client, demo_site):
    warm(client, "/")
    response = client.post("/", {"anything": "1"})
    assert response["X-Page-Cache"] == "bypass"


@pytest.mark.parametrize("url", ["/contact/", "/book/"])
def test_form_pages_are_never_cached(client, demo_site, url):
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code
    assert second["X-Page-Cache"] == "bypass"


def test_only_whitelisted_query_strings_are_cached(client, demo_site):
    for _ in range(2):
        assert fetch(client, "/blog/?utm_source=mail")["X-Page-Cache"] == "bypass"
        assert fetch(client, "/blog/?page=1&page=2")["X-Page-Cache"] == "bypass"
    warm(client, "/blog/?tag=sciatica", "/blog/?page=1")
    tagged = text(client, "/blog/?tag=sciatica")
    assert "sciatica" in tagged.lower()


def test_search_and_admin_are_never_cached(client, demo_site):
    for _ in range(2):
        assert client.get("/search/?q=massage")["X-Page-Cache"] == "bypass"
        assert client.get("/admin/login/")["X-Page-Cache"] == "bypass"


def test_a_visitor_with_a_session_bypasses_the_cache(client, demo_site):
    warm(client, "/")
    client.cookies["sessionid"] = "anything"
    assert fetch(client, "/")["X-Page-Cache"] == "bypass"


# -- every change shows at once -------------------------------------------------------


def test_publishing_an_article_shows_it_on_home_index_sitemap_and_feed(client, demo_site):
    warm(client, *PAGES_SHOWING_ARTICLES)
    publish_article("Stretches for desk workers", date=datetime.date(2027, 1, 4))
    for url in PAGES_SHOWING_ARTICLES:
        response = fetch(client, url)
        assert response["X-Page-Cache"] == "miss", url
        assert "stretches-for-desk-workers" in response.content.decode(), url
    assert "Stretches for desk workers" in text(client, "/blog/stretches-for-desk-workers/")


def test_unpublishing_an_article_removes_it_everywhere(client, demo_site):
    warm(client, ARTICLE_URL, *PAGES_SHOWING_ARTICLES)
    demo_article().unpublish()
    assert client.get(ARTICLE_URL).status_code == 404
    for url in PAGES_SHOWING_ARTICLES:
        assert "massage-for-sciatica-relief" not in text(client, url), url


def test_deleting_an_article_removes_it_everywhere(client, demo_site):
    warm(client, ARTICLE_URL, *PAGES_SHOWING_ARTICLES)
    demo_article().delete()
    assert client.get(ARTICLE_URL).status_code == 404
    for url in PAGES_SHOWING_ARTICLES:
        assert "massage-for-sciatica-relief" not in text(client, url), url


def test_renaming_a_page_changes_its_title_and_url_everywhere(client, demo_site):
    warm(client, ARTICLE_URL, *PAGES_SHOWING_ARTICLES)
    article = demo_article()
    article.title = "Sciatica: how massage helps"
    article.slug = "sciatica-how-massage-helps"
    article.save_revision().publish()
    assert client.get(ARTICLE_URL).status_code == 404
    for url in ["/", "/blog/", "/blog/feed/"]:
        html = text(client, url)
        assert "Sciatica: how massage helps" in html, url
        assert "/blog/sciatica-how-massage-helps/" in html, url
    assert "/blog/sciatica-how-massage-helps/" in text(client, "/sitemap-articles.xml")


def test_renaming_a_menu_page_changes_the_header_on_every_page(client, demo_site):
    urls = ["/", "/services/", ARTICLE_URL, "/privacy/"]
    warm(client, *urls)
    index = ServiceIndexPage.objects.get()
    index.title = "Treatments and prices"
    index.save_revision().publish()
    for url in urls:
        assert ">Treatments and prices</a>" in text(client, url), url


def test_moving_a_page_changes_the_menu_order_everywhere(client, demo_site):
    urls = ["/", ARTICLE_URL, "/privacy/"]
    warm(client, *urls)
    blog = BlogIndexPage.objects.get()
    services = ServiceIndexPage.objects.get()
    blog.move(services, pos="left")

    def order(html):
        header = html.split('class="site-nav"')[1].split("</nav>")[0]
        return header.index('href="/blog/"') < header.index('href="/services/"')

    for url in urls:
        assert order(text(client, url)), url


def test_moving_a_service_reorders_the_service_index(client, demo_site):
    warm(client, "/services/")
    swedish = ServicePage.objects.get(slug="swedish-massage")
    swedish.move(ServiceIndexPage.objects.get(), pos="first-child")
    html = text(client, "/services/")
    assert html.index("/services/swedish-massage/") < html.index("/services/deep-tissue-massage/")


def test_unpublishing_a_featured_service_removes_it_from_the_home_page(client, demo_site):
    warm(client, "/")
    ServicePage.objects.get(slug="swedish-massage").unpublish()
    assert "/services/swedish-massage/" not in text(client, "/")


def test_a_new_footer_phone_number_shows_on_every_page_at_once(client, demo_site):
    urls = ["/", "/services/", "/blog/", ARTICLE_URL, "/privacy/"]
    warm(client, *urls)
    practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    practice.phone = "+44 1632 960 123"
    practice.save()
    for url in urls:
        assert "+44 1632 960 123" in text(client, url), url


def test_a_changed_seo_setting_shows_on_every_page(client, demo_site):
    urls = ["/", ARTICLE_URL]
    warm(client, *urls)
    seo = SeoSettings.for_site(Site.objects.get(is_default_site=True))
    seo.twitter_meta = True
    seo.twitter_site = "calmhandsclinic"
    seo.save()
    for url in urls:
        assert "@calmhandsclinic" in text(client, url), url


def test_a_changed_image_shows_on_every_page_that_uses_it(client, demo_site):
    warm(client, "/", "/blog/", ARTICLE_URL)
    image = demo_article().hero_image
    image.description = "A new description of the lilac shapes"
    image.save()
    assert "A new description of the lilac shapes" in text(client, ARTICLE_URL)
    old_renditions = list(image.renditions.values_list("file", flat=True))
    assert old_renditions
    warm(client, "/blog/")
    image.renditions.all().delete()
    html = text(client, "/blog/")
    assert fetch(client, "/blog/")["X-Page-Cache"] == "hit"
    assert html  # rendered afresh, with renditions made again


def test_a_new_author_name_shows_on_the_article(client, demo_site):
    warm(client, ARTICLE_URL)
    author = demo_article().author
    author.name = "Dr Jo Example"
    author.save()
    assert "Dr Jo Example" in text(client, ARTICLE_URL)


def test_making_a_page_private_takes_it_out_of_the_cache(client, demo_site):
    from wagtail.models import PageViewRestriction

    warm(client, "/privacy/")
    page = StandardPage.objects.get(slug="privacy")
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get("/privacy/")
    assert response["X-Page-Cache"] != "hit"
    assert "password" in response.content.decode().lower()


def test_invalidation_happens_again_when_the_transaction_commits(
    demo_site, django_capture_on_commit_callbacks
):
    before = page_cache.current_generation()
    with django_capture_on_commit_callbacks() as callbacks:
        page_cache.invalidate()
        during = page_cache.current_generation()
    assert during != before
    assert callbacks
    for callback in callbacks:
        callback()
    assert page_cache.current_generation() not in (before, during)


def test_a_page_rendered_during_a_change_is_stored_where_no_one_reads_it(rf, demo_site):
    """A render that began before a publish keeps the old generation in its key."""
    request = rf.get("/")
    key = page_cache.request_key(request)
    old_key = page_cache._storage_key(page_cache.current_generation(), key)
    page_cache.invalidate()
    assert page_cache._storage_key(page_cache.current_generation(), key) != old_key


def test_the_generation_survives_being_evicted(demo_site):
    first = page_cache.current_generation()
    caches["default"].delete(page_cache.GENERATION_KEY)
    assert page_cache.current_generation() != first


# -- shared by every process ----------------------------------------------------------


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return response.headers.get("X-Page-Cache"), response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_publish_in_another_process_reaches_both_gunicorn_workers(demo_site, tmp_path, settings):
    """Two gunicorn workers and a third process that publishes share one cache."""
    database = copy_test_database(tmp_path / "site.sqlite3")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "PAGE_CACHE_ENABLED": "1",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    try:
        with gunicorn(env, free_port(), tmp_path / "gunicorn.log") as base_url:
            home = base_url + "/"
            _get(home)  # the first view stores the page
            states = {_get(home)[0] for _ in range(20)}
            assert states == {"hit"}
            publish_in_another_process(env, "Published elsewhere", date="2027-02-01")
            # Every answer, from either worker, shows the new article.
            for _ in range(20):
                _state, html = _get(home)
                assert "Published elsewhere" in html
    finally:
        print((tmp_path / "gunicorn.log").read_text()[-3000:])  # noqa: T201 - shown on failure
