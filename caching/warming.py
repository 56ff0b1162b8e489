"""After a change has emptied the page cache, render the public pages again before a visitor asks.

The email worker (``send_pending_notifications``) calls ``warm_if_changed`` every round. It
does something only when the page cache's generation (caching/generation.py) is one that no
worker has warmed yet: each generation is claimed in the shared cache with ``add``, so two
workers never warm the same one. It then asks for each page as an anonymous visitor would,
through the site's own request handler and every middleware, at the address Wagtail gives
the page (its site's host and scheme; https whenever SECURE_SSL_REDIRECT sends visitors
there), so that the page cache stores exactly the entry the visitor's request will read.
Each request carries the warmer's mark (``home.page_requests.WARMING``, a key of
``request.META`` that no header can set), so no page view is counted for it.

In this order, at most ``PAGE_CACHE_REWARM_LIMIT`` pages (0 turns warming off):

1. each site's home page;
2. the indexes: the live pages shown in menus or with pages under them, in tree order;
3. the pages those link to, in the order they show them (the newest guides, as the home page
   and the guides index list them), and an index's next pages (its ``rel="next"`` link) with
   theirs: found in their HTML, so the base needs no app's models;
4. the other pages, newest published first.

Only live pages outside private sections are asked for, and never a form page
(``is_form_page``: the cache never keeps those). When the generation changes again mid-way, or the worker is told to
stop, the warming ends there; the next round starts on the new generation.
"""

import dataclasses
import io
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.db.models import Q
from django.http.request import split_domain_port, validate_host
from wagtail.models import Page, Site, get_page_models

from home.page_requests import WARMING, is_form_page, is_page_path, pages_for_paths
from home.private_sections import public

from .generation import current_generation, is_enabled, page_cache

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 100
USER_AGENT = "practice-page-warmer"
_CLAIM_KEY = "page-cache:warming:{generation}"


@dataclasses.dataclass
class Warming:
    generation: str
    urls: list[str] = dataclasses.field(default_factory=list)
    cached: int = 0
    seconds: float = 0.0
    complete: bool = False

    def summary(self) -> str:
        state = "" if self.complete else ", stopped early"
        return f"warmed {self.cached} of {len(self.urls)} pages in {self.seconds:.1f} s{state}"


def rewarm_limit() -> int:
    return getattr(settings, "PAGE_CACHE_REWARM_LIMIT", DEFAULT_LIMIT)


def warmable_pages():
    """The live pages outside private sections that the page cache may keep."""
    skipped = ContentType.objects.get_for_models(
        *[model for model in get_page_models() if is_form_page(model)]
    ).values()
    return public(Page.objects.live().filter(depth__gt=1)).exclude(
        content_type__in=[content_type.pk for content_type in skipped]
    )


def _home_and_indexes(pages) -> list[Page]:
    roots = {site.root_page_id for site in Site.objects.all()}
    first = list(pages.filter(pk__in=roots).order_by("path"))
    indexes = pages.filter(Q(show_in_menus=True) | Q(numchild__gt=0)).exclude(pk__in=roots)
    return first + list(indexes.order_by("path"))


def _newest(pages, count: int) -> Iterator[Page]:
    return iter(pages.order_by("-first_published_at", "-pk")[:count])


@dataclasses.dataclass(frozen=True)
class _Visit:
    """One anonymous request: where to, and whether to follow the links of its answer."""

    netloc: str
    path: str
    secure: bool
    follow: bool = False
    page_pk: int | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.netloc}{self.path}"

    def request(self) -> WSGIRequest:
        """The request a visitor's browser would make, as the WSGI server hands it over,
        with the warmer's mark."""
        path, _, query = self.path.partition("?")
        host, port = split_domain_port(self.netloc)
        return WSGIRequest(
            {
                "REQUEST_METHOD": "GET",
                "SCRIPT_NAME": "",
                # As a WSGI server passes it: the decoded bytes, read as latin-1.
                "PATH_INFO": unquote_to_bytes(path).decode("iso-8859-1"),
                "QUERY_STRING": query,
                "SERVER_NAME": host,
                "SERVER_PORT": port or ("443" if self.secure else "80"),
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": self.netloc,
                "HTTP_USER_AGENT": USER_AGENT,
                "REMOTE_ADDR": "127.0.0.1",  # asked from this machine
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "https" if self.secure else "http",
                "wsgi.input": io.BytesIO(),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": False,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                WARMING: True,
            }
        )


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], attrs.get("rel") or ""))


def _linked(html: str, source: _Visit, pages) -> list[_Visit]:
    """The pages an answer links to, in its order, and its next page (``rel="next"``)."""
    parser = _Links()
    parser.feed(html)
    targets: list[str | _Visit] = []
    for href, rel in parser.links:
        parts = urlsplit(urljoin(source.path, href))
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", source.netloc):
            continue
        if parts.query:
            if "next" in rel.split() and parts.path == urlsplit(source.path).path:
                # The listing's next page: its pages come next, in the listing's order.
                targets.append(replace(source, path=f"{parts.path}?{parts.query}", page_pk=None))
        elif is_page_path(parts.path):
            targets.append(parts.path)
    found = pages_for_paths({t for t in targets if isinstance(t, str)}, pages)
    visits = []
    for target in targets:
        if isinstance(target, _Visit):
            visits.append(target)
        elif target in found:
            visits.append(replace(source, path=target, follow=False, page_pk=found[target].pk))
    return visits


def _allowed(netloc: str) -> bool:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as Django's own get_host()
    domain, _ = split_domain_port(netloc)
    return bool(domain) and validate_host(domain, allowed)


def _visit(page: Page, refused: set[str], follow: bool) -> _Visit | None:
    """A visitor's request for the page, at its site's host and scheme."""
    parts = page.get_url_parts()
    if parts is None:
        return None
    _, root_url, path = parts
    root = urlsplit(root_url)
    if not _allowed(root.netloc):
        if root_url not in refused:
            refused.add(root_url)
            logger.warning("Not warming the pages of %s: not in ALLOWED_HOSTS.", root_url)
        return None
    # Under SECURE_SSL_REDIRECT every visitor's page comes over https (behind the proxy's
    # TLS): a plain request would only be redirected, and its answer never cached.
    secure = root.scheme == "https" or settings.SECURE_SSL_REDIRECT
    return _Visit(root.netloc, path, secure, follow, page.pk)


def warm(generation: str, limit: int, stop: threading.Event | None = None) -> Warming:
    """Ask for the pages in the module's order until ``limit``, a new generation or ``stop``."""
    started = time.monotonic()
    warming = Warming(generation)
    # The site's own handler, every middleware loaded, as the WSGI application runs it.
    # Without the request_started and request_finished signals, which would close this
    # worker's database connection after each page.
    handler = BaseHandler()
    handler.load_middleware()
    pages = warmable_pages()
    refused: set[str] = set()
    waiting = deque(
        visit
        for page in _home_and_indexes(pages)
        if (visit := _visit(page, refused, follow=True)) is not None
    )
    seen_urls: set[str] = set()
    seen_pages: set[int | None] = set()
    newest = None
    while len(warming.urls) < limit:
        if stop is not None and stop.is_set():
            break
        if current_generation() != generation:
            break
        if not waiting:
            newest = newest or _newest(pages.exclude(pk__in=seen_pages - {None}), limit)
            page = next(newest, None)
            if page is None:
                warming.complete = True
                break
            if page.pk not in seen_pages and (visit := _visit(page, refused, False)):
                waiting.append(visit)
            continue
        visit = waiting.popleft()
        if visit.url in seen_urls or (visit.page_pk is not None and visit.page_pk in seen_pages):
            continue
        seen_urls.add(visit.url)
        seen_pages.add(visit.page_pk)
        response = handler.get_response(visit.request())
        warming.urls.append(visit.url)
        if response.get("X-Page-Cache") in ("miss", "hit"):
            warming.cached += 1
        if visit.follow and response.status_code == 200 and not response.streaming:
            waiting.extend(_linked(response.content.decode(errors="replace"), visit, pages))
    else:
        warming.complete = True
    warming.seconds = time.monotonic() - started
    return warming


def warm_if_changed(stop: threading.Event | None = None) -> Warming | None:
    """Warm the current generation unless some worker has: the warming, or None."""
    limit = rewarm_limit()
    if not is_enabled() or limit <= 0:
        return None
    generation = current_generation()
    if generation is None:  # the shared cache is away: nothing could be kept for visitors
        return None
    claim = _CLAIM_KEY.format(generation=generation)
    # Kept as long as the pages it warms: after that the same generation is warmed again.
    if not page_cache().add(claim, True, timeout=getattr(settings, "PAGE_CACHE_TIMEOUT", 3600)):
        return None
    warming = warm(generation, limit, stop)
    if not warming.complete:
        page_cache().delete(claim)
    return warming
