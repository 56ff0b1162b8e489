"""The full-page cache: every change shows at once, and only anonymous pages are kept."""

import datetime
import gzip
import os
import time
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from wagtail import hooks
from wagtail.models import Site
from wagtailseo.models import SeoSettings

from blog.models import BlogIndexPage, BlogPage
from caching import page_cache, recent_pages
from caching.generation import GENERATION_KEY, current_generation
from home.models import StandardPage
from services.models import ServiceIndexPage

from .factories import (
    make_author,
    make_guide,
    make_guide_in_another_process,
    make_image,
    make_service,
    set_practice_details,
)
from .page_reading import hrefs, landmark
from .servers import database_url_for_other_processes, free_port, gunicorn

pytestmark = pytest.mark.django_db

PAGES_SHOWING_ARTICLES = ["/", "/blog/", "/sitemap-articles.xml", "/blog/feed/"]


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """The cache on, and empty (tests/conftest.py empties it before and after each test)."""
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def guide(demo_site):
    """The newest guide, with a picture and an author of its own."""
    return make_guide(
        title="Stretches for desk workers",
        date=datetime.date(2027, 1, 4),
        intro="Five minutes an hour, without leaving the chair.",
        tags=["posture"],
        hero_image=make_image(description="Soft green light over a desk"),
        author=make_author("Jo Example"),
    )


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


# -- what a cached page is --------------------------------------------------------------


def test_second_anonymous_request_is_a_hit_with_no_sql_query(
    client, guide, django_assert_num_queries
):
    first = fetch(client, guide.url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = fetch(client, guide.url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_cached_pages_hold_no_csrf_token_userbar_or_cookie(client, guide):
    for url in ["/", "/services/", "/blog/", guide.url, "/privacy/"]:
        response = fetch(client, url)
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html
        assert "wagtail-userbar" not in html
        assert not response.cookies
        assert response["X-Page-Cache"] == "miss"


def test_cached_response_headers_let_browsers_and_cdns_revalidate(client, guide):
    fetch(client, guide.url)
    response = fetch(client, guide.url)
    assert response["Cache-Control"] == "max-age=0, must-revalidate, public"
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"]
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept-Encoding", "Cookie"} <= vary
    assert int(response["Content-Length"]) == len(response.content)


def test_a_matching_etag_gets_304_not_modified(client, guide, demo_site):
    etag = fetch(client, guide.url)["ETag"]
    response = client.get(guide.url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    # Republishing without a change renders the same bytes: still not modified.
    demo_site.save_revision().publish()
    assert client.get(guide.url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    set_practice_details(phone="+44 1632 960 999")
    assert client.get(guide.url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cached_pages_are_sent_gzipped_to_browsers_that_accept_it(client, guide):
    plain = fetch(client, guide.url)
    for _ in range(2):
        packed = fetch(client, guide.url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
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


def test_logged_in_editors_bypass_the_cache_and_see_the_userbar(client, guide):
    warm(client, guide.url)
    editor = get_user_model().objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(editor)
    response = fetch(client, guide.url)
    assert response["X-Page-Cache"] == "bypass"
    assert "Cache-Control" in response and "private" in response["Cache-Control"]
    assert "wagtail-userbar" in response.content.decode()
    client.logout()
    client.cookies.clear()
    anonymous = fetch(client, guide.url)
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


def test_only_whitelisted_query_strings_are_cached(client, guide):
    for _ in range(2):
        assert fetch(client, "/blog/?utm_source=mail")["X-Page-Cache"] == "bypass"
        assert fetch(client, "/blog/?page=1&page=2")["X-Page-Cache"] == "bypass"
    warm(client, "/blog/?tag=posture", "/blog/?page=1")
    assert guide.title in text(client, "/blog/?tag=posture")


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
    make_guide(title="Stretches for desk workers", date=datetime.date(2027, 1, 4))
    for url in PAGES_SHOWING_ARTICLES:
        response = fetch(client, url)
        assert response["X-Page-Cache"] == "miss", url
        assert "stretches-for-desk-workers" in response.content.decode(), url
    assert "Stretches for desk workers" in text(client, "/blog/stretches-for-desk-workers/")


def warm_pages_listing(client, guide):
    """Cache the guide and every page that lists it, each listing it."""
    warm(client, guide.url, *PAGES_SHOWING_ARTICLES)
    for url in PAGES_SHOWING_ARTICLES:
        assert guide.url in text(client, url), url


def test_unpublishing_an_article_removes_it_everywhere(client, guide):
    warm_pages_listing(client, guide)
    guide.unpublish()
    assert client.get(guide.url).status_code == 404
    for url in PAGES_SHOWING_ARTICLES:
        assert guide.url not in text(client, url), url


def test_deleting_an_article_removes_it_everywhere(client, guide):
    warm_pages_listing(client, guide)
    BlogPage.objects.get(pk=guide.pk).delete()
    assert client.get(guide.url).status_code == 404
    for url in PAGES_SHOWING_ARTICLES:
        assert guide.url not in text(client, url), url


def test_renaming_a_page_changes_its_title_and_url_everywhere(client, guide):
    old_url = guide.url
    warm_pages_listing(client, guide)
    guide.title = "Desk stretches: five minutes an hour"
    guide.slug = "desk-stretches"
    guide.save_revision().publish()
    assert client.get(old_url).status_code == 404
    for url in ["/", "/blog/", "/blog/feed/"]:
        html = text(client, url)
        assert "Desk stretches: five minutes an hour" in html, url
        assert "/blog/desk-stretches/" in html, url
    assert "/blog/desk-stretches/" in text(client, "/sitemap-articles.xml")


def test_renaming_a_menu_page_changes_the_header_on_every_page(client, guide):
    urls = ["/", "/services/", guide.url, "/privacy/"]
    warm(client, *urls)
    index = ServiceIndexPage.objects.get()
    index.title = "Treatments and prices"
    index.save_revision().publish()
    for url in urls:
        assert ">Treatments and prices</a>" in text(client, url), url


def test_moving_a_page_changes_the_menu_order_everywhere(client, guide):
    urls = ["/", guide.url, "/privacy/"]
    warm(client, *urls)
    blog = BlogIndexPage.objects.get()
    services = ServiceIndexPage.objects.get()
    blog.move(services, pos="left")

    def order(html):
        menu = hrefs(landmark(html, "navigation", "Main"))
        return menu.index("/blog/") < menu.index("/services/")

    for url in urls:
        assert order(text(client, url)), url


def test_moving_a_service_reorders_the_service_index(client, demo_site):
    first = make_service(title="Alpha Massage")
    second = make_service(title="Beta Massage")
    warm(client, "/services/")
    html = text(client, "/services/")
    assert html.index(first.url) < html.index(second.url)
    second.move(ServiceIndexPage.objects.get(), pos="first-child")
    html = text(client, "/services/")
    assert html.index(second.url) < html.index(first.url)


def test_unpublishing_a_featured_service_removes_it_from_the_home_page(client, demo_site):
    featured = demo_site.featured_service_pages()[-1]
    warm(client, "/")
    assert featured.url in text(client, "/")
    featured.unpublish()
    assert featured.url not in text(client, "/")


def test_a_new_footer_phone_number_shows_on_every_page_at_once(client, guide):
    urls = ["/", "/services/", "/blog/", guide.url, "/privacy/"]
    warm(client, *urls)
    assert all("+44 1632 960 777" not in text(client, url) for url in urls)
    set_practice_details(phone="+44 1632 960 777")
    for url in urls:
        assert "+44 1632 960 777" in text(client, url), url


def test_a_changed_seo_setting_shows_on_every_page(client, guide):
    urls = ["/", guide.url]
    warm(client, *urls)
    seo = SeoSettings.for_site(Site.objects.get(is_default_site=True))
    seo.twitter_meta = True
    seo.twitter_site = "calmhandsclinic"
    seo.save()
    for url in urls:
        assert "@calmhandsclinic" in text(client, url), url


def test_a_new_image_description_shows_on_the_page_at_once(client, guide):
    warm(client, "/", "/blog/", guide.url)
    image = guide.hero_image
    image.description = "Morning light over a standing desk"
    image.save()
    assert "Morning light over a standing desk" in text(client, guide.url)


def test_deleted_renditions_are_made_again_not_linked_from_a_stored_page(client, guide):
    warm(client, "/blog/")
    old_renditions = set(guide.hero_image.renditions.values_list("file", flat=True))
    assert old_renditions
    guide.hero_image.renditions.all().delete()
    response = fetch(client, "/blog/")
    assert response["X-Page-Cache"] == "miss"  # rendered afresh
    new_renditions = set(guide.hero_image.renditions.values_list("file", flat=True))
    assert new_renditions
    html = response.content.decode()
    assert all(file in html for file in new_renditions)


def test_a_new_author_name_shows_on_the_article(client, guide):
    warm(client, guide.url)
    author = guide.author
    author.name = "Dr Jo Example"
    author.save()
    assert "Dr Jo Example" in text(client, guide.url)


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
    before = current_generation()
    with django_capture_on_commit_callbacks() as callbacks:
        page_cache.invalidate()
        during = current_generation()
    assert during != before
    assert callbacks
    for callback in callbacks:
        callback()
    assert current_generation() not in (before, during)


def test_a_page_rendered_while_a_change_is_published_is_never_served_after_it(client, guide):
    """The race the generation token is for: a request reads the guide, the therapist
    publishes a new title before that render is stored, and the old render must not be
    what the next visitor gets."""
    published = []

    def publish_while_rendering(page, request, serve_args, serve_kwargs):
        # Wagtail calls this after routing has read the page and before it renders it.
        if not published:
            fresh = BlogPage.objects.get(pk=guide.pk)
            fresh.title = "Stretches for people who sit all day"
            fresh.save_revision().publish()
            published.append(fresh)

    with hooks.register_temporarily("before_serve_page", publish_while_rendering):
        racing = fetch(client, guide.url)
    assert published
    assert "Stretches for desk workers" in racing.content.decode()  # rendered from before

    after = fetch(client, guide.url)
    assert "Stretches for people who sit all day" in after.content.decode()
    assert "Stretches for desk workers" not in after.content.decode()
    assert fetch(client, guide.url).content == after.content  # and that is kept


def test_when_the_generation_token_is_evicted_no_page_stored_under_it_is_served(client, guide):
    """A full cache may evict any entry, the token among them: then every page renders
    afresh, and what was stored under a lost token is never read again, however often the
    token is lost."""
    warm(client, guide.url)
    for title in ("Renamed behind the cache", "Renamed behind it again"):
        # A change the site is not told of (an UPDATE sends no signal): while the token
        # lives, the page stored before it is what visitors get.
        BlogPage.objects.filter(pk=guide.pk).update(title=title)
        assert title not in text(client, guide.url)

        caches["default"].delete(GENERATION_KEY)

        fresh = fetch(client, guide.url)
        assert fresh["X-Page-Cache"] == "miss"
        assert title in fresh.content.decode()
        assert fetch(client, guide.url)["X-Page-Cache"] == "hit"  # kept under the new token


# -- shared by every process ----------------------------------------------------------


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get("X-Page-Cache"), response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_make_guide_in_another_process_reaches_both_gunicorn_workers(
    demo_site, tmp_path, settings
):
    """Two gunicorn workers and a third process that publishes share one cache."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": database_url_for_other_processes(tmp_path),
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
            make_guide_in_another_process(env, "Published elsewhere", date="2027-02-01")
            # Every answer, from either worker, shows the new article.
            for _ in range(20):
                _state, html = _get(home)
                assert "Published elsewhere" in html
    finally:
        print((tmp_path / "gunicorn.log").read_text()[-3000:])  # noqa: T201 - shown on failure


# -- this process's copies of the pages it served last ----------------------------------


def test_a_hit_is_served_from_this_process_copy_while_the_generation_stands(client, guide):
    """Once this process has served a page from the shared cache, the next hit needs only
    the token from there; a change (a new token) is still seen at once."""
    warm(client, guide.url)
    shared = caches["default"]
    generation = current_generation()

    # The shared cache keeps only the token: a hit can then come only from this process.
    shared.clear()
    shared.set(GENERATION_KEY, generation, timeout=None)
    assert fetch(client, guide.url)["X-Page-Cache"] == "hit"
    recent_pages.forget_all()
    assert fetch(client, guide.url)["X-Page-Cache"] == "miss"

    guide.title = "Stretches for anyone at a desk"
    guide.save_revision().publish()

    fresh = fetch(client, guide.url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Stretches for anyone at a desk" in fresh.content.decode()


def test_a_copy_lasts_no_longer_than_the_shared_cache_would_keep_its_page():
    entry = {"stored_at": time.time() - 120, "body": b"<p>old</p>"}
    recent_pages.keep("page-cache:g:expired", entry, timeout=60)
    recent_pages.keep("page-cache:g:current", {**entry, "stored_at": time.time()}, timeout=60)

    assert recent_pages.get("page-cache:g:expired") is None
    assert recent_pages.get("page-cache:g:current") is not None


def test_only_the_pages_served_last_are_kept(settings):
    settings.PAGE_CACHE_RECENT_PAGES = 3
    recent_pages.forget_all()
    for name in ("a", "b", "c"):
        recent_pages.keep(name, {"stored_at": time.time(), "name": name}, timeout=60)
    assert recent_pages.get("a") is not None  # served again: now the most recent
    recent_pages.keep("d", {"stored_at": time.time(), "name": "d"}, timeout=60)

    assert [name for name in "abcd" if recent_pages.get(name)] == ["a", "c", "d"]

    settings.PAGE_CACHE_RECENT_PAGES = 0
    recent_pages.keep("e", {"stored_at": time.time(), "name": "e"}, timeout=60)
    assert recent_pages.get("e") is None
