"""Re-warming under the production settings, behind TLS: the email worker's round warms every
page it asks for, and a visitor who comes through the proxy over https then gets a hit.

Before, with SECURE_SSL_REDIRECT on, the worker's plain-http requests were all redirected,
and it warmed 0 of 9 pages. Run on SQLite and on PostgreSQL with Redis.
"""

import contextlib
import json
import re
import subprocess
import sys
import uuid

import psycopg
import pytest
import redis

from caching.warming import warm_if_changed
from practice.public_address import site_address

from .optional_services import require_postgres, require_redis
from .servers import REPO_ROOT, free_port, prepare_site, production_env, run_in_site_process

PUBLIC = "https://practice.example"

VISIT_EVERY_PAGE = """
import json
from django.test import Client
from caching.warming import warmable_pages
client = Client()
answers = {}
for page in warmable_pages().specific():
    path = page.get_url_parts()[2]
    response = client.get(path, headers={"host": "practice.example", "x-forwarded-proto": "https"})
    answers[path] = [response.status_code, response.get("X-Page-Cache")]
print(json.dumps(answers))
"""


@contextlib.contextmanager
def database(kind: str, workdir):
    """The environment's DATABASE_URL (and REDIS_URL): a new SQLite file, or a new
    PostgreSQL database (made by ``prepare_site``, dropped afterwards), with Redis for the
    cache, emptied first: a generation an earlier run left there, already warmed, would
    leave the worker nothing to warm."""
    if kind == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}"}
        return
    server = require_postgres()
    redis_url = require_redis(11)
    name = f"practice_{uuid.uuid4().hex[:8]}"
    redis.Redis.from_url(redis_url).flushdb()
    try:
        yield {"DATABASE_URL": f"{server}/{name}", "REDIS_URL": redis_url}
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "kind",
    ["sqlite", pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])],
)
def test_a_worker_round_behind_tls_warms_the_pages_visitors_then_get(tmp_path, kind):
    with database(kind, tmp_path) as db:
        env = production_env(tmp_path, free_port())
        del env["WAGTAILADMIN_BASE_URL"]
        env.update(
            db,
            DJANGO_PUBLIC_URL=PUBLIC,
            DJANGO_ALLOWED_HOSTS="practice.example",
            DJANGO_SECURE_SSL_REDIRECT="1",
            PAGE_CACHE_ENABLED="1",
        )
        # At the public address, as `load_demo_content` puts it: the Site says https.
        prepare_site(env, *site_address(PUBLIC))

        worker = subprocess.run(
            [sys.executable, "manage.py", "send_pending_notifications"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout
        answers = json.loads(run_in_site_process(env, VISIT_EVERY_PAGE))

    warmed, asked = map(int, re.search(r"warmed (\d+) of (\d+) pages", worker).groups())
    assert asked >= 9 and warmed == asked, worker
    assert answers and answers == {path: [200, "hit"] for path in answers}


@pytest.mark.django_db
@pytest.mark.parametrize("ssl_redirect", [True, False])
def test_a_site_record_at_plain_http_is_warmed_the_way_visitors_come(
    settings, client, demo_site, ssl_redirect
):
    """The demo's Site says http://testserver. Under the HTTPS redirect every visitor comes
    over https, so that is what is warmed; without it, plain http as the Site says."""
    settings.PAGE_CACHE_ENABLED = True
    settings.SECURE_SSL_REDIRECT = ssl_redirect
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    scheme = "https" if ssl_redirect else "http"

    warming = warm_if_changed()

    assert len(warming.urls) >= 9 and warming.cached == len(warming.urls)
    for url in warming.urls:
        assert url.startswith(f"{scheme}://testserver/")
        path = url.removeprefix(f"{scheme}://testserver")
        # As through the proxy: its Host header, and the scheme the visitor used.
        response = client.get(path, headers={"host": "testserver", "x-forwarded-proto": scheme})
        assert (response.status_code, response["X-Page-Cache"]) == (200, "hit"), path
