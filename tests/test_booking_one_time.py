"""Fifty visitors post the same free time of a treatment booked instantly, at once, to the
production settings under gunicorn: exactly one is stored, the other 49 are answered kindly
with the nearest free times, and none gets a server error. The database decides
(``bookings.occupancy``'s unique slot rows), on SQLite and on PostgreSQL."""

import collections
import concurrent.futures
import threading
import time

import pytest

from . import load
from .optional_services import require_postgres, require_redis

VISITORS = 50


def fifty_post_one_time(env, database, workdir) -> dict:
    database.query("UPDATE services_servicepage SET booking_mode = %s", "instant")
    with load.serve(env, workdir) as server:
        visitors = [load.Visitor(server.base_url, load.address(n)) for n in range(VISITORS)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            forms = list(
                pool.map(
                    lambda pair: pair[1].open_form(f"one-{pair[0]}@example.com"),
                    enumerate(visitors),
                )
            )
        time.sleep(load.FILL_SECONDS)
        everyone_ready = threading.Barrier(VISITORS)

        def send(pair):
            everyone_ready.wait()
            return pair[0].send(pair[1])

        with concurrent.futures.ThreadPoolExecutor(VISITORS) as pool:
            answers = list(pool.map(send, zip(visitors, forms, strict=True)))
        after = load.FormReader()
        after.feed(load.Visitor(server.base_url, load.address(999)).open_form_page().body)
    return {
        "times": {form.fields["times"] for form in forms},
        "answers": answers,
        "offered_after": after.times,
        "stored": database.query(
            "SELECT COUNT(*) FROM bookings_bookingrequest WHERE email LIKE %s", "one-%"
        )[0][0],
        "confirmed": database.query(
            "SELECT COUNT(*) FROM bookings_bookingrequest WHERE status = %s", "confirmed"
        )[0][0],
        "slot_owners": database.query(
            "SELECT COUNT(DISTINCT booking_id) FROM bookings_occupiedslot"
        )[0][0],
    }


def assert_exactly_one_got_it(result):
    (wanted,) = result["times"]
    statuses = collections.Counter(answer.status for answer in result["answers"])
    assert statuses[302] == 1, statuses
    assert statuses[400] + statuses[409] == VISITORS - 1, statuses
    assert not [status for status in statuses if status is None or status >= 500], statuses
    (winner,) = [answer for answer in result["answers"] if answer.status == 302]
    assert winner.headers["Location"].endswith("/book/booked/")
    for answer in result["answers"]:
        if answer.status != 302:
            told = answer.body
            assert "someone booked this time" in told or "no longer free" in told
            assert wanted not in load.FormReader.times_in(told)
    assert result["stored"] == result["confirmed"] == result["slot_owners"] == 1
    assert wanted not in result["offered_after"]


def test_fifty_visitors_posting_one_time_on_sqlite_store_one(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("one-time-sqlite")
    with load.prepared_site(workdir, "sqlite") as (env, database):
        result = fifty_post_one_time(env, database, workdir)
    assert_exactly_one_got_it(result)


@pytest.mark.postgres
@pytest.mark.redis
def test_fifty_visitors_posting_one_time_on_postgresql_store_one(tmp_path_factory):
    postgres = require_postgres()
    redis_url = require_redis(13)
    workdir = tmp_path_factory.mktemp("one-time-postgres")
    with load.prepared_site(workdir, "postgresql", postgres, redis_url) as (env, database):
        result = fifty_post_one_time(env, database, workdir)
    assert_exactly_one_got_it(result)
