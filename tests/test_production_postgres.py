"""The production stack at its next size: PostgreSQL and Redis, under gunicorn.

The same settings as the one-server SQLite deployment, with ``DATABASE_URL`` and
``REDIS_URL`` set: the demo site serves every page, search and the sitemap work on
PostgreSQL, and the page cache lives in Redis, shared by both workers and by any other
process that publishes.
"""

import subprocess
import sys
import urllib.request
import uuid

import psycopg
import pytest
import redis

from .factories import make_guide_in_another_process
from .optional_services import require_postgres, require_redis
from .page_reading import elements_named, headings, hrefs
from .quality.check_quality import sitemap_paths
from .servers import REPO_ROOT, free_port, gunicorn, prepare_site, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("X-Page-Cache"), response.read().decode()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    postgres = require_postgres()
    redis_url = require_redis(14)
    database = f"practice_{uuid.uuid4().hex[:8]}"
    redis.Redis.from_url(redis_url).flushdb()
    workdir = tmp_path_factory.mktemp("postgres")
    port = free_port()
    env = production_env(workdir, port)
    env.update(DATABASE_URL=f"{postgres}/{database}", REDIS_URL=redis_url)
    try:
        prepare_site(env, port=port)
        with gunicorn(env, port, workdir / "gunicorn.log") as base_url:
            yield base_url, env
    finally:
        redis.Redis.from_url(redis_url).flushdb()
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_every_page_in_the_sitemap_is_served_from_postgresql(site):
    base_url, _ = site
    paths = sitemap_paths(base_url)
    assert "/blog/massage-for-sciatica-relief/" in paths
    for path in paths:
        status, _, html = get(base_url + path)
        assert status == 200, path
        assert [level for level, _ in headings(html)].count(1) == 1, path


def test_search_finds_the_guide_on_postgresql(site):
    base_url, _ = site
    _, _, html = get(base_url + "/search/?q=sciatica")
    assert "/blog/massage-for-sciatica-relief/" in hrefs(html)


def test_the_page_cache_in_redis_is_shared_and_never_stale_after_a_publish(site):
    base_url, env = site
    home = base_url + "/"
    get(home)
    assert {get(home)[1] for _ in range(10)} == {"hit"}

    make_guide_in_another_process(env, "Published on PostgreSQL", date="2027-03-01")

    # Every answer, from either worker, shows the new guide at once.
    for _ in range(10):
        _, _, html = get(home)
        assert "Published on PostgreSQL" in html
    assert get(base_url + "/blog/published-on-postgresql/")[0] == 200
    # Any section of the sitemap: other tests may have added guides before this one.
    assert "/blog/published-on-postgresql/" in sitemap_paths(base_url)


def test_hundreds_of_guides_page_and_search_on_postgresql(site):
    base_url, env = site
    subprocess.run(
        [sys.executable, "bench/generate_articles.py", "150"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )

    _, _, index_page_two = get(base_url + "/blog/?page=2")
    assert len(elements_named(index_page_two, "article")) == 10  # a card each
    _, _, section_two = get(base_url + "/sitemap-articles.xml?p=2")
    assert section_two.count("<url>") > 0
    _, _, results = get(base_url + "/search/?q=generated&page=2")
    assert "150 results" in results
    assert results.count("/blog/generated-article-") == 10
