"""Page views counted on the server: people seeing public pages, cached or not; nothing else,
and nothing about the visitor."""

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from page_views import counting
from page_views.models import PageViewDay

from .factories import make_guide, make_superuser

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def empty_tally():
    """Other tests' requests are counted too: start each test with nothing pending."""
    counting.discard_pending()
    yield
    counting.discard_pending()


@pytest.fixture
def guide(demo_site):
    return make_guide(title="Easing a stiff neck")


def visit(client, path, user_agent=BROWSER, **extra):
    if user_agent is not None:
        extra["HTTP_USER_AGENT"] = user_agent
    return client.get(path, **extra)


def views(path, day=None) -> int:
    row = PageViewDay.objects.filter(path=path, day=day or timezone.localdate()).first()
    return row.views if row else 0


def test_each_view_of_a_rendered_page_is_counted_for_the_day(client, guide, settings):
    settings.PAGE_CACHE_ENABLED = False
    for _ in range(3):
        response = visit(client, guide.url)
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "off"
    assert views(guide.url) == 0, "nothing is written on the way to the page"
    assert counting.flush() == 3
    assert views(guide.url) == 3


def test_pages_served_from_the_page_cache_are_counted(client, guide, settings):
    settings.PAGE_CACHE_ENABLED = True
    states = [visit(client, guide.url)["X-Page-Cache"] for _ in range(4)]
    assert states == ["miss", "hit", "hit", "hit"]
    counting.flush()
    assert views(guide.url) == 4


def test_a_later_flush_adds_to_the_days_count(client, guide):
    visit(client, guide.url)
    counting.flush()
    visit(client, guide.url)
    visit(client, "/")
    counting.flush()
    assert views(guide.url) == 2
    assert views("/") == 1
    assert PageViewDay.objects.filter(path=guide.url).count() == 1


def test_the_count_is_written_after_the_response_once_due(client, guide, settings):
    """In production the tally is written when a request has finished and a minute has
    passed; with no wait at all, the request that was counted writes it."""
    settings.PAGE_VIEWS_FLUSH_SECONDS = 0
    visit(client, guide.url)
    assert views(guide.url) == 1
    assert counting.pending() == {}


@pytest.mark.parametrize(
    "user_agent",
    [
        None,
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
        "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (Windows NT 10.0) Chrome-Lighthouse",
    ],
)
def test_robots_and_requests_without_a_user_agent_are_not_counted(client, guide, user_agent):
    assert visit(client, guide.url, user_agent=user_agent).status_code == 200
    assert counting.pending() == {}


def test_phones_and_desktop_browsers_are_people():
    for user_agent in (
        BROWSER,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ):
        assert not counting.is_robot(user_agent)


def test_only_public_html_pages_answered_200_to_a_get_are_counted(client, guide):
    assert visit(client, "/sitemap.xml").status_code == 200
    assert visit(client, "/blog/feed/").status_code == 200
    assert visit(client, "/no-such-page/").status_code == 404
    assert visit(client, "/search/?q=neck").status_code == 200
    assert visit(client, "/admin/login/").status_code == 200
    assert client.head(guide.url, HTTP_USER_AGENT=BROWSER).status_code == 200
    assert counting.pending() == {}


def test_signed_in_staff_are_not_counted(client, guide):
    client.force_login(make_superuser())
    assert visit(client, guide.url).status_code == 200
    assert counting.pending() == {}


def test_counting_sets_no_cookie_and_stores_nothing_about_the_visitor(client, guide, settings):
    settings.PAGE_CACHE_ENABLED = True
    address, agent = "203.0.113.77", BROWSER + " Distinctive/9.9"
    for _ in range(2):
        response = visit(client, guide.url, user_agent=agent, REMOTE_ADDR=address)
        assert not response.cookies
        assert "Set-Cookie" not in response
    counting.flush()
    assert views(guide.url) == 2

    assert {field.name for field in PageViewDay._meta.get_fields()} == {
        "id",
        "path",
        "day",
        "views",
    }
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            stored = " ".join(str(value) for value in row)
            assert address not in stored, model
            assert "Distinctive" not in stored, model


def test_views_by_path_adds_up_the_days_since_a_date(guide):
    today = timezone.localdate()
    PageViewDay.objects.create(path=guide.url, day=today, views=5)
    PageViewDay.objects.create(path=guide.url, day=today - datetime.timedelta(days=3), views=2)
    PageViewDay.objects.create(path=guide.url, day=today - datetime.timedelta(days=40), views=9)
    PageViewDay.objects.create(path="/", day=today, views=1)
    since = today - datetime.timedelta(days=29)
    assert counting.views_by_path(since) == [(guide.url, 7), ("/", 1)]
