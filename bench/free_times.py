"""`make bench`'s free-times section: how long her free times take to work out for one
treatment over 8 weeks, with 500 confirmed appointments and a busy calendar of 300 events;
and the booking page's uncached time beside the article's.

On a copy of bench/run.py's site (or, run alone, a site of its own), the bookings and the
calendar are made up with a fixed seed: opening hours 9:00–18:00 every day, 500 confirmed
sessions of 60 minutes on the 15-minute grid over the next 8 weeks, and a calendar file of
300 events (280 of one to three hours, 20 all-day) read as the worker reads it. Then, in one
process, ``availability.free_times.free_times`` is timed (and the pure computation alone,
its inputs gathered once); and gunicorn serves the booking page and the article, uncached,
asked in turn.

    python bench/free_times.py    (its own site in bench/out/free-times/; prints the numbers)
"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

OUT = BASE_DIR / "bench" / "out" / "free-times"
# The booking page showing the free times of this treatment's 60-minute session.
TREATMENT = "deep-tissue-massage"
APPOINTMENTS = 500
EVENTS = 300
ALL_DAY_EVENTS = 20
RUNS = 30
SECONDS = 4


def measure(source_db: Path | None = None) -> dict:
    """The numbers; ``source_db`` is a migrated site with the demo content to copy."""
    # Imported here: bench/run.py imports this module, and the helpers are its own.
    from bench import run

    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "site.sqlite3"
    database.unlink(missing_ok=True)
    env = {
        **run.ENV,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_CACHE_DIR": str(OUT / "cache"),
    }
    if source_db:
        with sqlite3.connect(source_db) as source, sqlite3.connect(database) as copy:
            source.backup(copy)
    else:
        run.log("free times: migrating and loading the demo site (about a minute)")
        run.manage("migrate", "--noinput", env=env)
        run.manage("load_demo_content", "--hostname", "127.0.0.1", "--port", "80", env=env)
        run.manage("collectstatic", "--noinput", env=env)
    run.log(f"free times: {APPOINTMENTS} appointments, {EVENTS} busy events, timing")
    inside = subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "free_times_inside.py")],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    results = json.loads(inside.stdout.splitlines()[-1])
    booking_page = results["booking page url"]
    overrides = {"DATABASE_URL": env["DATABASE_URL"], "DJANGO_CACHE_DIR": env["DJANGO_CACHE_DIR"]}
    with run.server(page_cache=False, **overrides) as site:
        for _ in range(3):
            run.fetch(site.url(booking_page))
            run.fetch(site.url(run.ARTICLE))
        run.log("free times: the booking page and the article, uncached, in turn")
        booking, article = run.timed_pair(site.url(booking_page), site.url(run.ARTICLE), SECONDS)
    results["booking page"], results["article"] = booking, article
    return results


def report_lines(r: dict) -> list[str]:
    booking, article = r["booking page"], r["article"]
    return [
        "",
        "## Free times (issue 21)",
        "",
        f"One treatment's 60-minute sessions over 8 weeks: opening hours 9:00–18:00 every "
        f"day, {APPOINTMENTS} confirmed appointments ({r['taken']} in the window) with the "
        f"15-minute buffer, and a busy calendar of {EVENTS} events ({ALL_DAY_EVENTS} all-day; "
        f"{r['busy intervals']} busy intervals once joined), in steps of 15 minutes. "
        f"{r['free starts']} free start times. Timed {r['runs']} times in one process after a "
        "first call; the page times under gunicorn, uncached, one request at a time in turn "
        f"for about {SECONDS} s each.",
        "",
        "| What | p50 ms | max ms |",
        "|---|---:|---:|",
        f"| `free_times(60)`: gathering from the database ({r['queries']} queries) and computing | {r['whole p50 ms']:.1f} | {r['whole max ms']:.1f} |",
        f"| the computation alone (`slots.free_starts`, inputs gathered once) | {r['pure p50 ms']:.1f} | {r['pure max ms']:.1f} |",
        f"| reading the {EVENTS}-event calendar file (`busy_ics.busy_intervals`, the worker's part) | {r['parse ms']:.1f} | |",
        f"| the booking page showing them (`{r['booking page url']}`), uncached | {booking['p50']:.1f} | {booking['p99']:.1f} |",
        f"| the article (`/blog/massage-for-sciatica-relief/`), uncached, beside it | {article['p50']:.1f} | {article['p99']:.1f} |",
    ]


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))  # noqa: T201
