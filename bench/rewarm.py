"""`make bench`'s re-warm section: after a publish, the email worker renders the public pages
again (caching/warming.py). How long that takes at 100 and at 10,000 articles, and how many
of the first 1,000 requests after a publish are page-cache hits.

For each size, gunicorn with the page cache on (bench/run.py's ``server``) and the real worker
(``send_pending_notifications --loop``) on the same database and cache. A publish is a
revision of the sciatica guide published from another process. The 1,000 requests go one at
a time, each to a page drawn at random (seeded) with a weight of 1/rank, the ranking being
what a visitor reaches first: the home page, the guides index, the treatments index, then
the guides newest first as the index lists them. Three runs of them, each after its own
publish: with no worker; with the worker running, the requests starting as soon as the
publish is done (visitors and the warming race); and once the worker's warming has ended.

    python bench/rewarm.py    (its own site in bench/out/rewarm/; prints the numbers)
"""

import json
import queue
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

REQUESTS = 1_000
# The Site of bench/run.py's demo content: the host every warmed page is stored under.
SITE_HOST = "127.0.0.1"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) practice-bench"
PUBLISH = (
    "from wagtail.models import Page; "
    "Page.objects.get(slug='massage-for-sciatica-relief').specific"
    ".save_revision().publish()"
)
WARMED = re.compile(r"Pages warmed (\d+) of (\d+) pages in ([\d.]+) s(, stopped early)?")
WAIT_SECONDS = 600
# The home page, the two indexes and the 50 newest guides: well within the default limit.
NEWEST = 53


def measure(sizes: dict[int, dict]) -> dict:
    """For each size (articles: environment overrides of bench/run.py's ENV), the numbers."""
    # Imported here: bench/run.py imports this module, and the helpers are its own.
    from bench import run

    results = {}
    for size, overrides in sizes.items():
        env = {**run.ENV, **overrides, "PYTHONUNBUFFERED": "1"}
        ranking = _ranking(env["DATABASE_URL"].removeprefix("sqlite:///"))
        visits = random.Random(size).choices(
            ranking, weights=[1 / rank for rank in range(1, len(ranking) + 1)], k=REQUESTS
        )
        with run.server(page_cache=True, **overrides) as site:
            run.log(f"re-warm at {size} articles: {REQUESTS} requests after a publish, no worker")
            _publish(run, env)
            cold = _hits(run, site, visits, ranking)
            with Worker(env) as worker:
                worker.next_warming()  # the generation it found at its start
                run.log(f"re-warm at {size} articles: the worker racing the requests")
                _publish(run, env)
                racing = _hits(run, site, visits, ranking)
                racing_warming = worker.next_warming()
                run.log(f"re-warm at {size} articles: requests after the worker's warming")
                worker.drain()
                _publish(run, env)
                quiet_warming = worker.next_warming()
                warm = _hits(run, site, visits, ranking)
        results[size] = {
            "pages": len(ranking),
            "warmed": quiet_warming["pages"],
            "seconds": quiet_warming["seconds"],
            "racing_seconds": racing_warming["seconds"],
            "hits": {"no worker": cold[0], "racing": racing[0], "after warming": warm[0]},
            # The same, among the requests for the home page, the indexes and the newest guides.
            "newest": {
                "requests": warm[2],
                "no worker": cold[1],
                "racing": racing[1],
                "after warming": warm[1],
            },
        }
        run.log(f"re-warm at {size} articles: {results[size]}")
    return results


def _ranking(database: str) -> list[str]:
    with sqlite3.connect(database) as db:
        (root,) = db.execute(
            "SELECT p.url_path FROM wagtailcore_site s JOIN wagtailcore_page p"
            " ON p.id = s.root_page_id WHERE s.is_default_site"
        ).fetchone()
        guides = db.execute(
            "SELECT p.url_path FROM blog_blogpage b JOIN wagtailcore_page p"
            " ON p.id = b.page_ptr_id WHERE p.live ORDER BY b.date DESC, b.page_ptr_id DESC"
        ).fetchall()
    return ["/", "/blog/", "/services/"] + ["/" + path.removeprefix(root) for (path,) in guides]


def _publish(run, env: dict) -> None:
    run.manage("shell", "-c", PUBLISH, env=env)


def _hits(run, site, paths: list[str], ranking: list[str]) -> tuple[int, int, int]:
    """Of the requests, sent in turn: the hits, and the hits and requests among the
    ``NEWEST`` first of the ranking."""
    newest = set(ranking[:NEWEST])
    hits = newest_hits = newest_requests = 0
    for path in paths:
        _, headers = run.fetch(site.url(path), {"Host": SITE_HOST, "User-Agent": BROWSER})
        hit = headers.get("X-Page-Cache") == "hit"
        hits += hit
        if path in newest:
            newest_requests += 1
            newest_hits += hit
    return hits, newest_hits, newest_requests


class Worker:
    """The email worker as production runs it, its output read line by line."""

    def __init__(self, env: dict):
        self.env = env
        self.lines: queue.Queue[str] = queue.Queue()

    def __enter__(self):
        self.process = subprocess.Popen(
            # Its default interval, as in production: a publish is noticed within 5 s.
            [sys.executable, "manage.py", "send_pending_notifications", "--loop"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def drain(self) -> None:
        while not self.lines.empty():
            self.lines.get_nowait()

    def next_warming(self) -> dict:
        """The next warming the worker finished (one stopped by a newer publish is skipped)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            match = WARMED.search(self.lines.get(timeout=left))
            if match and not match.group(4):
                return {"pages": int(match.group(1)), "seconds": float(match.group(3))}
        raise TimeoutError("the worker warmed nothing")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def report_lines(measured: dict) -> list[str]:
    lines = [
        "",
        "## Re-warm after a publish (page cache on)",
        "",
        "The email worker renders the home page, the indexes and the newest guides again "
        "once a publish has emptied the page cache, up to `PAGE_CACHE_REWARM_LIMIT` pages "
        f"(caching/warming.py). Then {REQUESTS:,} requests one at a time, each to a page "
        "drawn with a weight of 1/rank (home, guides index, treatments index, then the "
        "guides newest first), counted as hits by `X-Page-Cache`: with no worker, with the "
        "worker racing them from the publish on, and once its warming has ended. In "
        "brackets: the hits among the requests for the home page, the indexes and the "
        f"{NEWEST - 3} newest guides, the pages the warming puts first.",
        "",
        "| Articles | Pages warmed | Re-warm s (quiet) | Re-warm s (racing) | Hits, no worker | Hits, racing | Hits, after warming |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, m in measured.items():
        newest = m["newest"]
        hits = {
            name: f"{100 * count / REQUESTS:.1f}% ({100 * newest[name] / newest['requests']:.0f}%)"
            for name, count in m["hits"].items()
        }
        lines.append(
            f"| {int(size):,} | {m['warmed']} | {m['seconds']:.1f} | {m['racing_seconds']:.1f} | "
            f"{hits['no worker']} | {hits['racing']} | {hits['after warming']} |"
        )
    return lines


def _standalone() -> dict:
    """Its own site in bench/out/rewarm/, at 100 and then 10,000 articles."""
    from bench import run

    workdir = run.OUT / "rewarm"
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = {
        size: {
            "DATABASE_URL": f"sqlite:///{workdir / f'site-{size}.sqlite3'}",
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_CACHE_DIR": str(workdir / f"cache-{size}"),
        }
        for size in (100, 10_000)
    }
    small = {**run.ENV, **sizes[100]}
    run.log("re-warm: migrating and loading the demo site")
    for path in workdir.glob("site-*.sqlite3*"):
        path.unlink()
    run.manage("migrate", "--noinput", env=small)
    run.manage("load_demo_content", "--hostname", SITE_HOST, "--port", "80", env=small)
    run.manage("collectstatic", "--noinput", env=small)
    run.generate(99, small)
    with (
        sqlite3.connect(workdir / "site-100.sqlite3") as source,
        sqlite3.connect(workdir / "site-10000.sqlite3") as copy,
    ):
        source.backup(copy)
    run.generate(9_900, {**run.ENV, **sizes[10_000]})
    return measure(sizes)


if __name__ == "__main__":
    measured = _standalone()
    print(json.dumps(measured, indent=2))  # noqa: T201
    print("\n".join(report_lines(json.loads(json.dumps(measured)))))  # noqa: T201
