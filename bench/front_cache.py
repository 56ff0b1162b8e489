"""`make bench`'s proxied section: the cached article through nginx (deploy/nginx/, with
tests/front_proxy.py) against nginx's own static file of the same size, side by side.

Run by bench/run.py with the cached gunicorn it already measures; nginx takes the files it
serves itself from a folder of links to this run's static and media roots.
"""

import contextlib
from pathlib import Path

from tests.front_proxy import nginx, write_loopback_config
from tests.servers import free_port


@contextlib.contextmanager
def proxy_in_front(app_url: str, out: Path, static_root: Path, media_root: Path):
    """nginx from deploy/nginx/ in front of the gunicorn at app_url; yields its base URL."""
    workdir = out / "nginx"
    public = out / "public"
    public.mkdir(parents=True, exist_ok=True)
    for name, target in (("static", static_root), ("media", media_root)):
        link = public / name
        if not link.exists():
            link.symlink_to(target, target_is_directory=True)
    port = free_port()
    app_port = int(app_url.rsplit(":", 1)[1])
    config = write_loopback_config(workdir, port, free_port(), app_port, public)
    with nginx(config, workdir, port) as base_url:
        yield base_url


def measure(paired_wrk, fetch, app_url, out, static_root, media_root, page, static) -> dict:
    """The page through nginx beside nginx's static file, in alternating wrk slices."""
    with proxy_in_front(app_url, out, static_root, media_root) as base_url:
        statuses = []
        for _ in range(3):
            _, headers = fetch(base_url + page)
            statuses.append(headers.get("X-Front-Cache"))
            fetch(base_url + static)
        measured = paired_wrk(base_url + page, base_url + static)
        measured["static file"] = measured.pop("static_slices")
        measured["cache_status"] = statuses[-1]
        return measured


def report_lines(proxied: dict, share) -> list[str]:
    rate = proxied["rps"]
    ceiling = proxied["ceiling_rps"]
    met = share(proxied) >= 50
    return [
        "",
        "## Through the front cache (nginx)",
        "",
        "nginx 1.22 with `deploy/nginx/` (one worker process) in front of the cached "
        "gunicorn above: the article from nginx's cache (its last warm-up answer said "
        f"`X-Front-Cache: {proxied['cache_status']}`) against a static file of the same "
        "size that nginx sends from disk, in the same alternating slices.",
        "",
        "| What | req/s | p50 ms | p99 ms | % of nginx's static file |",
        "|---|---:|---:|---:|---:|",
        f"| article through nginx's cache | {rate:.0f} | {proxied['p50']:.2f} | "
        f"{proxied['p99']:.2f} | {share(proxied):.0f}% |",
        f"| nginx's static file, same size | {ceiling:.0f} | | | 100% |",
        "",
        f"Target: the cached article through the proxy ≥ 50% of the proxy's static file: "
        f"{'met' if met else 'NOT met'}.",
    ]
