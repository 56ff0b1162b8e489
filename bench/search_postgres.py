"""`make bench`'s search on PostgreSQL: the site search at 100 and at 10,000 articles.

Its own two databases on the PostgreSQL server of the tests (tests/optional_services.py):
one migrated, given the demo site and 99 generated articles, then copied (as a template)
and given 9,900 more. Both are served at once by gunicorn with the bench's production
settings and asked the same search in turn, as bench/run.py does with SQLite. The databases
are analysed first, as autovacuum would have by then, and dropped afterwards.

    python bench/search_postgres.py    (prints the numbers; `make bench` runs it as well)
"""

import sys
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.optional_services import POSTGRES_URL, reachable, with_path  # noqa: E402

SEARCH = "/search/?q=shoulder"
SIZES = (100, 10_000)


def measure() -> dict:
    """The search's timings at both sizes, or why it was not run."""
    # Imported here: bench/run.py imports this module, and the helpers are its own.
    from bench import run

    if not reachable(POSTGRES_URL, 5432):
        return {"skipped": f"PostgreSQL is not reachable at {POSTGRES_URL}"}
    server_url = with_path(POSTGRES_URL, "")
    prefix = f"practice_bench_search_{uuid.uuid4().hex[:8]}"
    names = {size: f"{prefix}_{size}" for size in SIZES}
    workdir = run.OUT / "search-postgres"
    workdir.mkdir(parents=True, exist_ok=True)
    envs = {
        size: run.child_env(
            DATABASE_URL=f"{server_url}/{name}",
            DJANGO_MEDIA_ROOT=str(workdir / "media"),
            DJANGO_CACHE_DIR=str(workdir / f"cache-{size}"),
        )
        for size, name in names.items()
    }
    generated = {}
    try:
        run.log("search on PostgreSQL: migrating and loading the demo site")
        _sql(server_url, f'CREATE DATABASE "{names[100]}"')
        run.manage("migrate", "--noinput", env=envs[100])
        run.manage("load_demo_content", "--hostname", "127.0.0.1", "--port", "80", env=envs[100])
        run.manage("collectstatic", "--noinput", env=envs[100])
        generated[100] = run.generate(99, envs[100])
        _sql(server_url, f'CREATE DATABASE "{names[10_000]}" TEMPLATE "{names[100]}"')
        generated[10_000] = run.generate(9_900, envs[10_000])
        run.log(f"search on PostgreSQL: 9,900 articles generated in {generated[10_000]:.1f}s")
        for name in names.values():
            _sql(f"{server_url}/{name}", "VACUUM ANALYZE")
        with (
            run.server(page_cache=False, **_overrides(envs[100])) as small,
            run.server(page_cache=False, **_overrides(envs[10_000])) as big,
        ):
            for each in (small, big):
                run.fetch(each.url(SEARCH))
            run.log("search on PostgreSQL at 100 and at 10,000 articles, in turn")
            at_100, at_10k = run.timed_pair(small.url(SEARCH), big.url(SEARCH), run.SCALE_DURATION)
            at_10k["bytes"] = len(run.fetch(big.url(SEARCH))[0])
    finally:
        for name in names.values():
            _sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"100": at_100, "10000": at_10k, "generated": generated[10_000]}


def _overrides(env: dict) -> dict:
    keys = ("DATABASE_URL", "DJANGO_MEDIA_ROOT", "DJANGO_CACHE_DIR")
    return {key: env[key] for key in keys}


def _sql(database_url: str, statement: str) -> None:
    import psycopg

    if database_url.endswith("/"):
        database_url += "postgres"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(statement)


def ratio(measured: dict) -> float:
    """The time of a search at 10,000 articles over its time at 100 (medians)."""
    return measured["10000"]["p50"] / measured["100"]["p50"]


def report_lines(measured: dict) -> list[str]:
    lines = ["", "## Search on PostgreSQL at 100 and at 10,000 articles (uncached)", ""]
    if "skipped" in measured:
        return [*lines, f"Not run: {measured['skipped']}.", ""]
    small, big = measured["100"], measured["10000"]
    times = ratio(measured)
    return [
        *lines,
        "Wagtail's database backend on PostgreSQL: its full-text search with the English "
        "configuration (`SEARCH_CONFIG`), served by the GIN index over each entry's title "
        "and body (home/migrations/0008), and selecting only the ids of the matches. Two "
        "databases on the server, one at 100 articles and one at 10,000 (9,900 generated "
        f"in {measured['generated']:.1f} s), analysed, each behind its own gunicorn, asked "
        "one request at a time in turn as above; p50 is the median time. The word is in "
        "a third of the generated guides.",
        "",
        "| URL | req/s at 100 | p50 ms at 100 | req/s at 10,000 | p50 ms at 10,000 | time ratio (p50) | Within 1.5× |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| `{SEARCH}` | {small['rps']:.1f} | {small['p50']:.1f} | {big['rps']:.1f} | "
        f"{big['p50']:.1f} | {times:.2f}× | {'yes' if times <= 1.5 else 'NO'} |",
        "",
    ]


if __name__ == "__main__":
    result = measure()
    print("\n".join(report_lines(result)))  # noqa: T201
