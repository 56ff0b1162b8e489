"""After a publish, the email worker renders the public pages again: the next visitor gets a hit."""

import io
import threading

import pytest
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from caching.warming import USER_AGENT, warm_if_changed
from home.models import StandardPage
from page_views import counting

from .factories import make_guide, make_standard_page

pytestmark = pytest.mark.django_db

HOME_AND_INDEXES = ["/", "/services/", "/blog/"]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """The cache on, and empty (tests/conftest.py empties it before and after each test)."""
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_REWARM_LIMIT = 100


@pytest.fixture
def newest_guide(demo_site):
    return make_guide(title="Stretches for desk workers", date="2031-01-04")


def visit(client, page_or_path, **headers):
    """An anonymous visitor's GET, at the demo site's host (``testserver``, the client's)."""
    path = getattr(page_or_path, "url", page_or_path)
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response


def paths(warming) -> list[str]:
    """The path and query of each page warmed, in order."""
    assert all(url.startswith("http://testserver/") for url in warming.urls), warming.urls
    return [url.removeprefix("http://testserver") for url in warming.urls]


def run_worker_round() -> str:
    """One round of the worker, as cron runs it. (``--loop`` closes the database connection
    between rounds, as a long-running worker must, which would end this test's transaction
    on PostgreSQL; the bench runs the looping worker.)"""
    out = io.StringIO()
    call_command("send_pending_notifications", stdout=out)
    return out.getvalue()


def test_one_worker_round_after_a_publish_makes_the_next_visits_hits(
    client, demo_site, django_assert_num_queries
):
    run_worker_round()
    guide = make_guide(title="Stretches for desk workers", date="2031-01-04")  # a publish

    output = run_worker_round()

    assert "Pages warmed" in output
    with django_assert_num_queries(0):
        for page in ("/", "/blog/", guide):
            assert visit(client, page)["X-Page-Cache"] == "hit", page


def test_home_and_indexes_come_first_then_the_newest_guide_then_the_newest_pages(newest_guide):
    older = make_standard_page(title="Gift vouchers")
    newer = make_standard_page(title="Opening in the summer")

    warmed = paths(warm_if_changed())

    assert warmed[:3] == HOME_AND_INDEXES
    assert newest_guide.url in warmed
    assert warmed.index(newest_guide.url) < warmed.index(newer.url) < warmed.index(older.url)
    assert len(warmed) == len(set(warmed))


def test_guides_past_the_first_index_page_follow_in_the_index_order(demo_site):
    # Published in another order than their dates: the index's order (newest date) wins.
    days = [5, 12, 1, 9, 3, 11, 7, 2, 10, 6, 4, 8]
    guides = {
        day: make_guide(title=f"Guide of day {day}", date=f"2031-01-{day:02}") for day in days
    }

    warmed = paths(warm_if_changed())

    newest_first = [guides[day].url for day in sorted(days, reverse=True)]
    assert [path for path in warmed if path in newest_first] == newest_first
    # The eleventh and twelfth come from the index's second page, warmed as well.
    second_page = warmed.index("/blog/?page=2")
    assert warmed.index(newest_first[9]) < second_page < warmed.index(newest_first[10])


def test_the_limit_is_kept_in_that_order(settings, client, newest_guide):
    settings.PAGE_CACHE_REWARM_LIMIT = 3

    warming = warm_if_changed()

    assert paths(warming) == HOME_AND_INDEXES
    assert warming.complete
    assert visit(client, "/blog/")["X-Page-Cache"] == "hit"
    assert visit(client, newest_guide)["X-Page-Cache"] == "miss"


def test_a_limit_of_zero_warms_nothing(settings, newest_guide):
    settings.PAGE_CACHE_REWARM_LIMIT = 0

    assert warm_if_changed() is None


def test_warming_renders_and_stores_pages_and_counts_no_page_view(client, newest_guide):
    counting.discard_pending()
    try:
        warming = warm_if_changed()
        assert newest_guide.url in paths(warming)
        assert warming.cached == len(warming.urls)
        assert counting.pending() == {}

        # The same page asked for by a browser is counted, and comes from the cache.
        assert visit(client, newest_guide, user_agent=BROWSER)["X-Page-Cache"] == "hit"
        assert [path for path, _ in counting.pending()] == [newest_guide.url]
    finally:
        counting.discard_pending()


@pytest.mark.parametrize(
    "headers",
    [
        {"user_agent": f"{USER_AGENT} {BROWSER}"},  # its name is no robot's
        {"user_agent": BROWSER, "practice.page_warming": "True"},  # no header makes the mark
    ],
)
def test_a_visitor_who_looks_like_the_warmer_is_counted(client, newest_guide, headers):
    counting.discard_pending()
    try:
        assert visit(client, newest_guide, **headers).status_code == 200
        assert [path for path, _ in counting.pending()] == [newest_guide.url]
    finally:
        counting.discard_pending()


def test_private_and_draft_pages_are_never_warmed(demo_site):
    private = make_standard_page(title="For members")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    inside_private = make_standard_page(private, title="Members' exercises")
    draft = StandardPage(title="Not ready yet", slug="not-ready-yet", live=False)
    demo_site.add_child(instance=draft)
    draft.save_revision()

    warmed = paths(warm_if_changed())

    assert "/" in warmed
    assert not {private.url, inside_private.url, "/not-ready-yet/"} & set(warmed)
    # Form pages are never kept by the cache, so they are not asked for either.
    assert not {"/booking/", "/contact/"} & set(warmed)


def test_a_second_round_without_a_change_does_nothing(newest_guide):
    assert warm_if_changed() is not None

    assert warm_if_changed() is None
    assert "Pages" not in run_worker_round()

    make_standard_page(title="Gift vouchers")  # a publish: a new generation to warm
    assert warm_if_changed() is not None


def test_a_warming_stopped_midway_is_taken_up_at_the_next_round(newest_guide):
    stop = threading.Event()
    stop.set()

    stopped = warm_if_changed(stop)

    assert not stopped.complete
    assert stopped.urls == []
    again = warm_if_changed()
    assert again.complete
    assert paths(again)[:3] == HOME_AND_INDEXES


def test_a_site_whose_host_is_not_allowed_is_not_warmed_and_a_warning_says_so(
    settings, caplog, newest_guide
):
    settings.ALLOWED_HOSTS = ["calmhands.example"]

    warming = warm_if_changed()

    assert warming.urls == []
    assert [record.getMessage() for record in caplog.records if record.levelname == "WARNING"] == [
        "Not warming the pages of http://testserver: not in ALLOWED_HOSTS."
    ]
