"""`make bench`: the site under gunicorn, measured with wrk against a static file of the same size.

A benchmark, not a test: it writes bench/RESULTS.md and exits 0 whether targets are met
or not. Everything it makes lives in bench/out/ (a database, media, the cache), so it
never touches var/. Takes about 5 minutes.
"""

import contextlib
import dataclasses
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import free_times, front_cache, rewarm, search_postgres  # noqa: E402
from tests.front_proxy import NGINX  # noqa: E402
from tests.servers import free_port, gunicorn  # noqa: E402

OUT = BASE_DIR / "bench" / "out"
BIN = Path(sys.executable).parent
WORKERS = 2
CONNECTIONS = 4
# Each page is measured in ROUNDS slices of SLICE seconds, each right after a slice of the
# static file: on a shared machine the load drifts, and a page compared with the ceiling
# measured beside it gives a ratio that drifts far less than two separate runs would.
ROUNDS = 3
SLICE = int(os.environ.get("BENCH_SECONDS", "2"))
SCALE_DURATION = int(os.environ.get("BENCH_SCALE_SECONDS", "4"))
ARTICLE = "/blog/massage-for-sciatica-relief/"
PAGES = {
    "home": "/",
    "article": ARTICLE,
    "service page": "/services/deep-tissue-massage/",
    "blog index": "/blog/",
}
SCALE_URLS = {
    "blog index": "/blog/",
    "sitemap.xml": "/sitemap.xml",
    "sitemap section": "/sitemap-articles.xml",
    "feed": "/blog/feed/",
    "search": "/search/?q=shoulder",
}
CEILING_PATH = "bench-ceiling/page.html"


def log(message):
    print(f"[bench] {message}", flush=True)  # noqa: T201


def child_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.production",
        # A throwaway key for this run's processes only.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{OUT / 'site.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(OUT / "media"),
        "DJANGO_CACHE_DIR": str(OUT / "cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


ENV = child_env()


def manage(*args, env=None) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=BASE_DIR,
        env=env or ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@dataclasses.dataclass(frozen=True)
class Served:
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


@contextlib.contextmanager
def server(page_cache: bool, **env):
    """The site under gunicorn (tests/servers.py), with this run's settings and database."""
    with gunicorn(
        {**ENV, "PAGE_CACHE_ENABLED": "1" if page_cache else "0", **env},
        free_port(),
        OUT / "gunicorn.log",
        "--log-level=warning",
        # Search at 10,000 articles takes tens of seconds (see RESULTS.md).
        "--timeout=180",
        workers=WORKERS,
        start_timeout=60,
    ) as base_url:
        yield Served(base_url)


def fetch(url, headers=None) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=170) as response:
        return response.read(), dict(response.headers)


def wrk(url, duration) -> dict:
    output = subprocess.run(
        [
            "/usr/bin/wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--latency",
            "--timeout=10s",
            # A browser's User-Agent, so that page-view counting runs as for a visitor
            # (a request without one is taken for a robot and not counted).
            "-H",
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) practice-bench",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {pct: _ms(value) for pct, value in re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rate,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def paired_wrk(page_url, static_url) -> dict:
    """The page and the static file in alternating slices: rates and the page's share."""
    page_slices, static_slices = [], []
    for _ in range(ROUNDS):
        static_slices.append(wrk(static_url, SLICE))
        page_slices.append(wrk(page_url, SLICE))
    page = _combined(page_slices)
    page["ceiling_rps"] = _combined(static_slices)["rps"]
    page["static_slices"] = static_slices
    return page


def _combined(slices: list[dict]) -> dict:
    return {
        "rps": sum(s["rps"] for s in slices) / len(slices),
        "p50": sorted(s["p50"] for s in slices)[len(slices) // 2],
        "p99": max(s["p99"] for s in slices),
        "errors": sum(s["errors"] for s in slices),
    }


def timed_pair(url_small, url_big, duration) -> tuple[dict, dict]:
    """One request at a time, alternating between the two servers, for about `duration`
    seconds each (at least three requests each): both feel the same load."""
    times = {url_small: [], url_big: []}
    started = time.monotonic()
    while len(times[url_big]) < 3 or time.monotonic() - started < 2 * duration:
        for url in (url_small, url_big):
            begin = time.monotonic()
            fetch(url)
            times[url].append((time.monotonic() - begin) * 1000)
    return _timings(times[url_small]), _timings(times[url_big])


def _timings(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "rps": 1000 * len(times) / sum(times),
        "p50": times[len(times) // 2],
        "p99": times[-1],
        "errors": 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.urls.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(site) -> dict:
    """An article's HTML, CSS and JS, as bytes uncompressed and as sent gzip-compressed."""
    html, _ = fetch(site.url(ARTICLE))
    packed_html, headers = fetch(site.url(ARTICLE), {"Accept-Encoding": "gzip"})
    parser = Assets()
    parser.feed(html.decode())
    plain = len(html)
    wire = len(packed_html)
    html_gzipped = headers.get("Content-Encoding") == "gzip"
    for asset in parser.urls:
        body, _ = fetch(site.url(asset))
        packed, asset_headers = fetch(site.url(asset), {"Accept-Encoding": "gzip"})
        plain += len(body)
        wire += len(packed)
        if asset_headers.get("Content-Encoding") != "gzip":
            wire += 0  # counted as sent
    return {
        "html": len(html),
        "assets": parser.urls,
        "plain": plain,
        "wire": wire,
        "html_gzipped": html_gzipped,
        "html_gzip_bytes": len(gzip.compress(html)),
    }


def setup() -> float:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    log("migrating and loading the demo site (about a minute)")
    manage("migrate", "--noinput")
    manage("load_demo_content", "--hostname", "127.0.0.1", "--port", "80")
    log("collecting static files")
    manage("collectstatic", "--noinput", "--clear")
    return 0.0


def make_ceiling(size: int) -> None:
    """A static file of the page's size, served by WhiteNoise from STATIC_ROOT."""
    static_root = BASE_DIR / "static_collected" / "bench-ceiling"
    static_root.mkdir(parents=True, exist_ok=True)
    filler = b"<!-- static ceiling -->\n" * (size // 24 + 1)
    (static_root / "page.html").write_bytes(filler[:size])


def generate(count: int, env: dict | None = None) -> float:
    """Adds ``count`` generated articles to the database of ``env`` (this run's by default);
    the seconds it took."""
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "python"), "bench/generate_articles.py", str(count)],
        cwd=BASE_DIR,
        env=env or ENV,
        check=True,
        capture_output=True,
    )
    return time.monotonic() - started


def versions() -> dict:
    import django
    import gunicorn
    import wagtail

    wrk_version = subprocess.run(
        ["/usr/bin/wrk", "-v"], capture_output=True, text=True, check=False
    )
    return {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "Wagtail": wagtail.__version__,
        "gunicorn": gunicorn.__version__,
        "SQLite": sqlite3.sqlite_version,
        "wrk": (wrk_version.stdout + wrk_version.stderr).split()[1],
        "CPU cores": str(os.cpu_count()),
        "Machine": f"{platform.system()} {platform.machine()}",
    }


def main():
    started = time.monotonic()
    setup()
    results = {"uncached": {}, "cached": {}, "scale": {}}

    with server(page_cache=False) as site:
        html, _ = fetch(site.url(ARTICLE))
        make_ceiling(len(html))
    # The ceiling file exists before the next server starts: WhiteNoise scans at start.
    static = f"/static/{CEILING_PATH}"
    for mode, cached in (("uncached", False), ("cached", True)):
        with server(page_cache=cached) as site:
            for name, path in PAGES.items():
                for _ in range(3):
                    fetch(site.url(path))
                    fetch(site.url(static))
                log(f"wrk {mode} {name}, beside the static file")
                results[mode][name] = paired_wrk(site.url(path), site.url(static))
            results[mode]["static file"] = _combined(
                [s for name in PAGES for s in results[mode][name].pop("static_slices")]
            )
            if cached:
                results["weight"] = page_weight(site)
                if Path(NGINX).exists():
                    log("wrk the article through nginx's cache, beside nginx's static file")
                    results["proxied"] = front_cache.measure(
                        paired_wrk,
                        fetch,
                        site.base_url,
                        OUT,
                        BASE_DIR / "static_collected",
                        OUT / "media",
                        ARTICLE,
                        static,
                    )

    log("counting queries")
    results["queries"] = json.loads(
        subprocess.run(
            [
                str(BIN / "python"),
                "bench/queries.py",
                *PAGES.values(),
                "/sitemap.xml",
                "/sitemap-articles.xml",
                "/blog/feed/",
            ],
            cwd=BASE_DIR,
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[-1]
    )

    # On a copy of the demo site as it is now, before the generated articles.
    results["free_times"] = free_times.measure(OUT / "site.sqlite3")

    generated = {100: generate(99)}
    log(f"100 articles: generated 99 in {generated[100]:.1f}s")
    small_db = OUT / "site-100.sqlite3"
    with sqlite3.connect(OUT / "site.sqlite3") as source, sqlite3.connect(small_db) as copy:
        source.backup(copy)
    generated[10_000] = generate(9_900)
    log(f"10000 articles: generated 9900 in {generated[10_000]:.1f}s")
    # Both sizes served at once, each by its own server, measured in turn.
    small_env = {
        "DATABASE_URL": f"sqlite:///{small_db}",
        "DJANGO_CACHE_DIR": str(OUT / "cache-100"),
    }
    with server(page_cache=False, **small_env) as small, server(page_cache=False) as big:
        results["scale"] = {100: {}, 10_000: {}}
        for name, path in SCALE_URLS.items():
            for each in (small, big):
                fetch(each.url(path))
            log(f"{name} at 100 and at 10,000 articles, in turn")
            at_100, at_10k = timed_pair(small.url(path), big.url(path), SCALE_DURATION)
            at_10k["bytes"] = len(fetch(big.url(path))[0])
            results["scale"][100][name], results["scale"][10_000][name] = at_100, at_10k
    results["rewarm"] = rewarm.measure({100: small_env, 10_000: {}})
    results["search_postgres"] = search_postgres.measure()
    results["generated"] = generated
    results["elapsed"] = time.monotonic() - started
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    # Through JSON, so that `run.py --report` rewrites RESULTS.md from the same data.
    write_report(json.loads((OUT / "results.json").read_text()), versions())
    log(f"done in {results['elapsed']:.0f}s: bench/RESULTS.md")


def _share(measured: dict) -> float:
    """A page's rate as a percentage of the static file's in its neighbouring slices."""
    return 100 * measured["rps"] / measured["ceiling_rps"]


def _f(value, digits=1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def kept_load_section() -> list[str]:
    """The "Load and faults" section that `make bench-load` (bench/load.py) wrote, kept."""
    results = BASE_DIR / "bench" / "RESULTS.md"
    start, end = "<!-- load-and-faults:", "<!-- /load-and-faults -->"
    text = results.read_text() if results.exists() else ""
    if start not in text or end not in text:
        return []
    return [start + text.split(start, 1)[1].split(end, 1)[0] + end, ""]


def write_report(r: dict, v: dict) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py). Production settings under gunicorn "
        f"({WORKERS} sync workers) on loopback, SQLite, the file cache; wrk with "
        f"{CONNECTIONS} connections, no `Accept-Encoding` (bodies uncompressed, so the page "
        "and the static file send the same bytes). *Uncached* is the same server started "
        "with `PAGE_CACHE_ENABLED=0`: every request renders the page. The *static file* is a "
        "file of exactly the article's size, served by WhiteNoise from the same gunicorn: "
        f"the ceiling. Each page runs in {ROUNDS} slices of {SLICE} s, each right after a "
        "slice of the static file; its *% of ceiling* is its rate over the static file's "
        "rate in those neighbouring slices.",
        "",
        " · ".join(f"{k} {val}" for k, val in v.items()),
        "",
        "## Pages against the static-file ceiling",
        "",
        "| Page | Uncached req/s | p50 ms | p99 ms | % of ceiling | Cached req/s | p50 ms | p99 ms | % of ceiling | SQL uncached | SQL cached |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path in PAGES.items():
        u, c = r["uncached"][name], r["cached"][name]
        q = r["queries"].get(path, {})
        lines.append(
            f"| {name} (`{path}`) | {u['rps']:.0f} | {_f(u['p50'])} | {_f(u['p99'])} | "
            f"{_share(u):.1f}% | {c['rps']:.0f} | {_f(c['p50'])} | {_f(c['p99'])} | "
            f"{_share(c):.1f}% | {q.get('uncached', '?')} | {q.get('cached', '?')} |"
        )
    u, c = r["uncached"]["static file"], r["cached"]["static file"]
    lines.append(
        f"| static file, same size (all its slices) | {u['rps']:.0f} | {_f(u['p50'])} | "
        f"{_f(u['p99'])} | 100% | {c['rps']:.0f} | {_f(c['p50'])} | {_f(c['p99'])} | 100% | | |"
    )
    for path in ("/sitemap.xml", "/sitemap-articles.xml", "/blog/feed/"):
        q = r["queries"].get(path, {})
        lines.append(
            f"| `{path}` (queries only) | | | | | | | | | {q.get('uncached')} | {q.get('cached')} |"
        )
    lines += [
        "",
        "## At 100 and at 10,000 articles (uncached)",
        "",
        "Two servers at once, one on a copy of the database at 100 articles and one at "
        "10,000, asked one request at a time in turn (A, B, A, B…) for about "
        f"{SCALE_DURATION} s each and at least 3 requests each, so that both feel the same "
        "load; p50 is the median time.",
        "",
        f"Articles generated by `bench/generate_articles.py N`: 99 in "
        f"{r['generated']['100']:.1f} s, then 9,900 more in {r['generated']['10000']:.1f} s.",
        "",
        "| URL | req/s at 100 | p50 ms at 100 | req/s at 10,000 | p50 ms at 10,000 | time ratio (p50) | bytes at 10,000 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = {}
    for name, path in SCALE_URLS.items():
        small, big = r["scale"]["100"][name], r["scale"]["10000"][name]
        ratio = big["p50"] / small["p50"] if small["p50"] else float("nan")
        ratios[name] = ratio
        lines.append(
            f"| {name} (`{path}`) | {small['rps']:.1f} | {_f(small['p50'])} | {big['rps']:.2f} | "
            f"{_f(big['p50'])} | {ratio:.2f}× | {big['bytes']:,} |"
        )
    w = r["weight"]
    cached_worst = min(_share(r["cached"][n]) for n in PAGES) / 100
    article_uncached = _share(r["uncached"]["article"]) / 100
    lines += [
        "",
        "## Targets",
        "",
        "| Target | Measured | Met |",
        "|---|---|---|",
        f"| Cached page ≥ 50% of the static rate | slowest cached page {100 * cached_worst:.0f}% | {'yes' if cached_worst >= 0.5 else 'NO'} |",
        f"| Uncached article ≥ 5% of the static rate | {100 * article_uncached:.1f}% | {'yes' if article_uncached >= 0.05 else 'NO'} |",
    ]
    for name in ("blog index", "sitemap.xml", "sitemap section", "search"):
        ratio = ratios[name]
        lines.append(
            f"| {name} at 10,000 within 1.5× of its time at 100 | {ratio:.2f}× | {'yes' if ratio <= 1.5 else 'NO'} |"
        )
    lines.append(
        f"| Article HTML+CSS+JS ≤ 60 KB uncompressed | {w['plain'] / 1024:.1f} KB ({w['html'] / 1024:.1f} KB HTML + {', '.join(w['assets']) or 'no assets'}) | {'yes' if w['plain'] <= 60 * 1024 else 'NO'} |"
    )
    lines.append(
        f"| …and compressed on the wire | {w['wire'] / 1024:.1f} KB sent with `Accept-Encoding: gzip` (HTML gzipped: {'yes' if w['html_gzipped'] else 'no'}) | {'yes' if w['html_gzipped'] else 'NO'} |"
    )
    if "free_times" in r:
        lines += free_times.report_lines(r["free_times"])
    if "rewarm" in r:
        lines += rewarm.report_lines(r["rewarm"])
    if "proxied" in r:
        lines += front_cache.report_lines(r["proxied"], _share)
    if "search_postgres" in r:
        lines += search_postgres.report_lines(r["search_postgres"])
    lines += ["", f"Whole run: {r['elapsed']:.0f} s.", ""]
    lines += kept_load_section()
    notes = BASE_DIR / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    (BASE_DIR / "bench" / "RESULTS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    if "--report" in sys.argv:
        write_report(json.loads((OUT / "results.json").read_text()), versions())
    else:
        main()
