"""Under load and under faults, every booking a visitor was told about is stored once.

The bounded version of `make bench-load` (bench/load.py, numbers in bench/RESULTS.md): the
production settings under gunicorn with four workers, visitors booking as browsers do
(tests/load.py), a worker killed with SIGKILL mid-burst, the database locked by another
writer, the mail server down for an hour. The SQLite legs serve a copy of the test
database; the PostgreSQL leg makes its own, with Redis for the cache and the rate limits.
"""

import json

import gunicorn.config
import pytest
import redis
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from practice.settings.base import SQLITE_OPTIONS
from practice.unavailable import RETRY_AFTER_SECONDS, database_unavailable, unavailable_response

from . import load
from .optional_services import require_postgres, require_redis
from .page_reading import elements_named, headings, inline_code, visible_text
from .posts import booking_data
from .servers import collect_static, copy_test_database, production_env

# The SQLite legs serve a copy of the test database: pytest-django sets it up only for
# tests that ask for it.
SERVES_TEST_DATABASE = pytest.mark.django_db


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory, django_db_setup, django_db_blocker):
    """The demo site's database copied to a file, with the production settings."""
    from django.conf import settings

    if connection.vendor != "sqlite":
        pytest.skip(
            "SQLite's own leg (its locking), run by the suite on SQLite; on PostgreSQL see "
            "test_visitors_booking_at_once_on_postgresql_with_redis_are_each_stored_once"
        )
    workdir = tmp_path_factory.mktemp("load")
    with django_db_blocker.unblock():
        path = copy_test_database(workdir / "site.sqlite3")
    env = production_env(workdir, 0)
    env.update(
        DATABASE_URL=f"sqlite:///{path}",
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DJANGO_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        FORM_RATE_LIMIT_POSTS=str(load.RATE_LIMIT_POSTS),
    )
    collect_static(env)
    return env, load.Database(env["DATABASE_URL"]), workdir


@pytest.fixture(scope="module")
def sqlite_server(sqlite_site):
    """One gunicorn with four workers for the SQLite legs. Its busy timeout is 4 s, not
    the production 20 s, so that the locked-database test needs a lock of 10 s, not 30 s
    (the bench's run); the mechanics are the same."""
    env, database, workdir = sqlite_site
    short_wait = {"DATABASE_URL": env["DATABASE_URL"] + "?timeout=4"}
    with load.serve(env, workdir, **short_wait) as server:
        yield server, database


def assert_each_accepted_post_is_one_row(report, posts):
    assert report["posts"] == posts
    assert report["statuses"] == {"302": posts}, report
    assert report["rows"] == report["accepted"] == posts
    assert report["accepted_without_row"] == report["rows_not_accepted"] == 0
    assert report["duplicates"] == report["server_errors"] == report["incomplete"] == 0


@SERVES_TEST_DATABASE
def test_visitors_booking_at_once_on_sqlite_are_each_stored_once(sqlite_server):
    server, database = sqlite_server
    assert len(server.worker_pids()) == 4
    bookings = load.booking_burst(server.base_url, clients=8, posts_each=2, prefix="a-")
    limited = load.rate_limit_holds(server.base_url)

    report = load.burst_report(database, bookings, "a-")
    assert_each_accepted_post_is_one_row(report, 16)
    assert report["p99_ms"] > 0
    # The limit was on: one address, over its posts for the minute, is refused.
    assert limited == [400] * load.RATE_LIMIT_POSTS + [429, 429]


@SERVES_TEST_DATABASE
def test_a_worker_killed_mid_burst_loses_no_answered_post_and_a_retry_is_not_a_duplicate(
    sqlite_server,
):
    server, database = sqlite_server
    run = load.burst_with_a_killed_worker(
        server, database, clients=8, posts_each=3, prefix="b-", kill_after=6
    )
    retry = load.retry_unanswered(server, run["bookings"], database, "b-")
    assert len(server.worker_pids()) == 4  # gunicorn replaced the killed worker
    report = load.killed_worker_report(database, run, retry, "b-")

    assert report["killed_workers"] >= 1
    assert report["unanswered"] >= 1, "no post was in the killed worker's hands"
    assert report["answered_but_missing"] == 0
    assert report["server_errors"] == 0
    assert report["retry_statuses"] == ["302"]
    assert report["posts_without_row_after_retry"] == 0
    assert report["duplicates"] == report["incomplete"] == 0


@SERVES_TEST_DATABASE
def test_a_locked_database_answers_503_with_retry_after_and_stores_nothing_half(sqlite_server):
    """The bench's 30 s lock, shorter, with the same mechanics: a busy timeout of 4 s here
    (20 s in production, see the test below) and a lock of 10 s."""
    server, database = sqlite_server
    before = load.totals(database)
    run = load.posts_during_lock(
        server, database, seconds=10, clients=3, prefix="c-", spread_seconds=1.5
    )
    # After the lock: the same forms, sent again, are taken, once each.
    for booking in run["refused"]:
        load.send_again(server.base_url, booking)
    assert load.worker_timeouts(server) == 0
    report = load.locked_report(database, run, run["refused"], "c-")

    assert report["statuses"] == {"503": 3}, report
    assert report["refused_with_retry_after"] == 3
    refusal = run["refused"][0].first
    assert refusal.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "We are busy for a moment" in refusal.body
    assert not inline_code(refusal.body) and not elements_named(refusal.body, "script")
    assert report["refused_but_stored"] == 0
    assert report["cached_page_gets"] > 0
    assert report["cached_page_gets_ok"] == report["cached_page_hits"] == report["cached_page_gets"]
    assert report["retry_statuses"] == ["302"]
    assert report["rows_after_retry"] == 3
    assert report["duplicates"] == report["incomplete"] == 0
    after = load.totals(database)
    # Nothing half-stored: each claimed form token has its booking and its two emails.
    assert after["tokens"] - before["tokens"] == after["bookings"] - before["bookings"] == 3
    assert after["notifications"] - before["notifications"] == 6


def test_a_post_waiting_out_the_sqlite_busy_timeout_is_answered_before_gunicorn_kills_it():
    """A post that waits the whole busy timeout and then fails must still be answered (the
    503), not cut off by gunicorn's worker timeout (a 502 at the proxy)."""
    busy_timeout = SQLITE_OPTIONS["timeout"]
    worker_timeout = gunicorn.config.Config().timeout

    assert busy_timeout == 20
    assert busy_timeout + 5 <= worker_timeout


@pytest.mark.django_db
def test_the_503_page_needs_no_request_and_no_database_and_nothing_inline():
    with CaptureQueriesContext(connection) as queries:
        response = unavailable_response()

    assert len(queries) == 0
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert [level for level, _ in headings(html)].count(1) == 1
    assert "Nothing you sent has been kept" in visible_text(html)
    assert not inline_code(html) and not elements_named(html, "script")


def test_only_a_busy_or_unreachable_database_counts_as_unavailable():
    assert database_unavailable(OperationalError("database is locked"))
    assert database_unavailable(OperationalError("connection failed: Connection refused"))
    assert not database_unavailable(OperationalError("no such table: bookings_bookingrequest"))
    assert not database_unavailable(ValueError("database is locked"))


@pytest.mark.django_db
def test_mail_server_down_for_an_hour_then_back_every_email_arrives_once(
    client, demo_site, settings
):
    for n in range(4):
        response = client.post(
            "/book/", booking_data(email=f"d-{n}@example.com"), REMOTE_ADDR=f"10.9.0.{n}"
        )
        assert response.status_code == 302
    mail = load.MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mail.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        result = load.email_outage(mail, outage_minutes=60, refusing_minutes=30)
    finally:
        mail.switch("down")

    assert result["emails"] == result["sent"] == 8, result
    assert result["received"] == result["received_distinct"] == 8
    assert result["failed"] == 0
    rounds = result["rounds"]
    assert [r["mail server"] for r in rounds if r["sent"] == 0][:1] == ["down"]
    assert any(r["mail server"] == "refusing" and r["sent"] == 0 for r in rounds)
    first_sent = next(r for r in rounds if r["sent"])
    assert first_sent["mail server"] == "up" and first_sent["minute"] >= 60
    assert first_sent["sent"] == 8


@pytest.mark.postgres
@pytest.mark.redis
def test_visitors_booking_at_once_on_postgresql_with_redis_are_each_stored_once(
    tmp_path_factory,
):
    postgres = require_postgres()
    redis_url = require_redis(13)
    workdir = tmp_path_factory.mktemp("load-postgres")
    with load.prepared_site(workdir, "postgresql", postgres, redis_url) as (env, database):
        with load.serve(env, workdir) as server:
            bookings = load.booking_burst(server.base_url, clients=8, posts_each=2, prefix="p-")
            limited = load.rate_limit_holds(server.base_url)
            rate_keys = redis.Redis.from_url(redis_url).keys("*ratelimit*")
        report = load.burst_report(database, bookings, "p-")

    assert_each_accepted_post_is_one_row(report, 16)
    assert limited == [400] * load.RATE_LIMIT_POSTS + [429, 429]
    assert rate_keys, "the rate limits were not counted in Redis"


@pytest.mark.parametrize(
    "vendor", [pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]
)
@pytest.mark.redis
def test_redis_stopped_for_20_s_under_load_gives_no_500_and_loses_no_booking(
    tmp_path_factory, vendor
):
    """Production settings under gunicorn with REDIS_URL on a private Redis, which is
    stopped for 20 s while visitors book and read pages, then started again (empty). The
    email worker runs all along and sends every email."""
    postgres = require_postgres() if vendor == "postgresql" else ""
    workdir = tmp_path_factory.mktemp(f"redis-outage-{vendor}")
    mail = load.MailServer()
    mail.switch("up")
    report = load.redis_outage_in_site(
        workdir, vendor, postgres, mail, clients=4, outage_seconds=20
    )
    mail.switch("down")

    described = json.dumps(report, indent=1)
    for phase in ("before", "during", "after"):
        assert report[phase]["server_errors"] == 0, described
        assert report[phase]["posts"] > 0 and report[phase]["gets"] > 0, described
        assert report[phase]["accepted"] == report[phase]["posts"], described
        assert report[phase]["accepted_but_missing"] == 0, described
    assert report["lost"] == report["duplicates"] == report["incomplete"] == 0
    assert report["rows"] == report["posts"]
    # Uncached while Redis was away, cached again once it was back.
    assert "off" in report["during"]["page_cache"], described
    assert "hit" in report["after"]["page_cache"]
    assert report["page_cache_once_back"] == "hit"
    # The rate limit held, per worker, while Redis was away.
    assert 429 in report["rate_limit_statuses_during"]
    assert report["worker_alive"]
    emails = report["emails"]
    assert emails.get("sent") == 2 * report["posts"] and set(emails) == {"sent"}, emails
    assert len(mail.received()) == 2 * report["posts"]
