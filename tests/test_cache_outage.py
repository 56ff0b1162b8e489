"""Redis gone: every use of the cache degrades, nothing answers 500, and once Redis is back
nothing stale is read (caching/shared_cache.py).

Each test runs its own Redis (tests/private_redis.py) and stops that one: the shared Redis
on 6379 is never touched. The under-load version, with gunicorn on the production
settings, is in tests/test_load_and_faults.py.
"""

import io
import logging
import signal
import time

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import RequestFactory
from wagtail.images.models import Image

from bookings.models import BookingRequest, Notification
from caching import recent_pages
from caching.front_cache import GENERATION_HEADER
from caching.generation import current_generation
from caching.warming import warm_if_changed
from practice.settings.base import shared_caches
from services.protection import rate_limited

from .posts import booking_data
from .private_redis import private_redis

pytestmark = pytest.mark.redis

RETRY_SECONDS = 0.5


@pytest.fixture
def redis(settings, tmp_path):
    """The site's caches on a private Redis that keeps its data across a stop, as one with
    persistence does; tried again half a second after a failure."""
    with private_redis(keep_data=True) as server:
        configured = shared_caches(server.url, tmp_path)
        for alias in configured.values():
            alias["OPTIONS"] = {**alias["OPTIONS"], "RETRY_SECONDS": RETRY_SECONDS}
        settings.CACHES = configured
        recent_pages.forget_all()
        yield server
        recent_pages.forget_all()


def back(server) -> None:
    server.start()
    time.sleep(RETRY_SECONDS + 0.1)


# Every operation of Django's cache API, in the order a caller would use them, with what
# each gives while Redis is away: this process's memory answers as a cache would.
OPERATIONS = [
    ("set", lambda c: c.set("a", 1), None),
    ("get", lambda c: c.get("a"), 1),
    ("get missing", lambda c: c.get("missing", "default"), "default"),
    ("add existing", lambda c: c.add("a", 2), False),
    ("add", lambda c: c.add("b", 2), True),
    ("incr", lambda c: c.incr("a"), 2),
    ("decr", lambda c: c.decr("a"), 1),
    ("incr missing", lambda c: pytest.raises(ValueError, c.incr, "missing") and "raised", "raised"),
    ("has_key", lambda c: c.has_key("b"), True),
    ("touch", lambda c: c.touch("b", 60), True),
    ("set_many", lambda c: c.set_many({"c": 3, "d": 4}), []),
    ("get_many", lambda c: c.get_many(["a", "c", "d", "missing"]), {"a": 1, "c": 3, "d": 4}),
    ("get_or_set", lambda c: c.get_or_set("e", 5), 5),
    ("delete", lambda c: c.delete("e"), True),
    ("delete_many", lambda c: c.delete_many(["c", "d"]), None),
    ("get deleted", lambda c: c.get_many(["c", "d"]), {}),
    ("clear", lambda c: c.clear(), None),
    ("get cleared", lambda c: c.get("a"), None),
]


def test_every_cache_operation_answers_from_memory_while_redis_is_away(redis):
    cache = caches["default"]
    cache.set("warm", "up")  # connected before Redis goes
    redis.stop()

    answers = [(name, run(cache)) for name, run, _ in OPERATIONS]

    assert answers == [(name, expected) for name, _, expected in OPERATIONS]
    assert not cache.shared


def test_a_hung_redis_is_left_after_its_socket_timeout(redis):
    cache = caches["default"]
    cache.set("a", "from redis")
    redis.process.send_signal(signal.SIGSTOP)
    try:
        missed = cache.get("a", "missed")  # waits out the socket timeout, once
        shared_after_timeout = cache.shared
        cache.set("a", "local")
        local = cache.get("a")
    finally:
        redis.process.send_signal(signal.SIGCONT)

    assert missed == "missed"
    assert shared_after_timeout is False
    assert local == "local"


@pytest.mark.django_db
def test_renditions_are_made_and_kept_in_memory_while_redis_is_away(redis):
    image = Image.objects.order_by("pk").first()
    specs = ("fill-120x80", "width-240")
    made = image.get_renditions(*specs)
    redis.stop()

    during = image.get_renditions(*specs)
    again = Image.objects.get(pk=image.pk).get_renditions(*specs)
    shared_during = caches["renditions"].shared
    back(redis)
    after = Image.objects.get(pk=image.pk).get_renditions(*specs)

    assert shared_during is False
    assert {r.url for r in during.values()} == {r.url for r in made.values()}
    assert {r.url for r in again.values()} == {r.url for r in after.values()}
    assert all(getattr(r, "_from_cache", False) for r in again.values())


def test_what_was_written_while_redis_was_away_is_not_read_back_old_from_redis(redis):
    cache = caches["default"]
    cache.set("kept", "untouched")
    cache.set("changed", "old")
    cache.set("deleted", "old")
    redis.stop()
    cache.set("changed", "new, only in this process")
    cache.delete("deleted")
    back(redis)

    assert cache.get("kept") == "untouched"
    assert cache.get("changed") is None
    assert cache.get("deleted") is None
    assert cache.shared


def test_the_outage_is_logged_once_when_it_starts_and_once_when_it_ends(redis, caplog):
    cache = caches["default"]
    cache.get("a")
    redis.stop()
    with caplog.at_level(logging.WARNING, logger="caching.shared_cache"):
        for _ in range(50):
            cache.get("a")
            caches["renditions"].get("a")
        back(redis)
        cache.get("a")
        cache.get("a")

    messages = [(r.levelname, r.getMessage().split(" (")[0]) for r in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0][0] == "ERROR" and "cannot be reached" in messages[0][1]
    assert messages[1][0] == "WARNING" and "is back" in messages[1][1]


def test_the_rate_limit_counts_in_each_process_while_redis_is_away(redis, settings):
    settings.FORM_RATE_LIMIT_POSTS = 3
    request = RequestFactory().post("/book/", REMOTE_ADDR="10.1.2.3")
    redis.stop()

    assert [rate_limited(request) for _ in range(5)] == [False, False, False, True, True]


@pytest.mark.django_db
def test_pages_render_uncached_and_a_booking_is_stored_once_while_redis_is_away(
    client, demo_site, redis, settings
):
    settings.PAGE_CACHE_ENABLED = True
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    redis.stop()

    pages = [client.get(path) for path in ("/", "/", "/services/", "/book/", "/blog/")]
    posted = client.post("/book/", booking_data(email="outage@example.com"))
    posted_again = client.post("/book/", posted.wsgi_request.POST)

    assert [p.status_code for p in pages] == [200] * 5
    assert [p["X-Page-Cache"] for p in pages] == ["off", "off", "off", "bypass", "off"]
    assert posted.status_code == posted_again.status_code == 302
    booking = BookingRequest.objects.get(email="outage@example.com")
    assert Notification.objects.filter(booking=booking).count() == 2

    back(redis)
    assert client.get("/")["X-Page-Cache"] in ("hit", "miss")
    assert client.get("/")["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_a_change_published_while_redis_was_away_is_shown_once_it_is_back(
    client, demo_site, redis, settings
):
    settings.PAGE_CACHE_ENABLED = True
    before = client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"
    redis.stop()
    demo_site.hero_heading = "Published during the outage"
    demo_site.save_revision().publish()
    during = client.get("/")
    back(redis)
    after = client.get("/")

    assert "Published during the outage" not in before
    assert "Published during the outage" in during.content.decode()
    assert "Published during the outage" in after.content.decode()
    assert after["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_the_front_cache_gets_a_token_of_its_own_each_time_while_redis_is_away(client, redis):
    shared = client.get("/_front-cache/generation")[GENERATION_HEADER]
    redis.stop()
    during = {client.get("/_front-cache/generation")[GENERATION_HEADER] for _ in range(3)}
    back(redis)

    assert shared == current_generation()
    assert len(during) == 3 and shared not in during


@pytest.mark.django_db
def test_the_email_worker_keeps_sending_while_redis_is_away(client, demo_site, redis, settings):
    settings.PAGE_CACHE_ENABLED = True
    redis.stop()
    client.post("/book/", booking_data(email="worker@example.com"))
    output = io.StringIO()

    call_command("send_pending_notifications", loop=True, runs=3, interval=0, stdout=output)

    assert "Email worker stopped." in output.getvalue()
    sent = Notification.objects.filter(status=Notification.Status.SENT)
    assert sent.count() == 2
    assert warm_if_changed() is None  # nothing to warm for no one
    back(redis)
    warming = warm_if_changed()
    assert warming is not None and warming.cached > 0
