"""A full-page cache for anonymous visitors: shared by every process, never stale.

The rule, in one sentence: the cache holds one *generation* token, every cached page is
stored under a key that includes the token read when its request began, and any change
to what the public site shows replaces the token.

What replaces it (see ``connect_signals``): a page saved, published, unpublished, moved
or deleted; a site, a setting, a snippet, an image or a view restriction saved or
deleted; a rendition deleted; stored pictures cleaned of their metadata. The token is replaced at once and again when the
transaction commits, so a page rendered from the old data in between is stored under a
token nobody asks for any more. Old entries are never read again and simply expire.
Header, footer, indexes, the home page's lists, the sitemap and the feed all follow
from that one rule, because every page is rendered afresh after any change.

What is cached: 200 responses to GET requests from anonymous visitors without a messages
cookie, for the paths of pages (the one rule for both, and for form pages, is
home/page_requests.py), whose query string holds only ``?page=``, ``?tag=`` and ``?p=``, from
pages that are not forms (``wagtail_hooks.py`` marks them), and that set no cookie and do
not vary on Cookie (a CSRF token sets both). Everything else passes through untouched
except for a ``Cache-Control: private`` on responses made for a session.

Cached pages, and only those, are compressed here: they hold no CSRF token or other
secret, so gzip cannot leak one (BREACH). Both encodings are stored, so a hit costs
no compression and no SQL query. A hit reads the token from the shared cache and, when
this process served the same key lately, the page from its own copy
(``caching/recent_pages.py``), which is as fresh because the key names the token.
"""

import gzip
import hashlib
import re
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished
from wagtail.snippets.models import get_snippet_models

from home.image_metadata import stored_images_cleaned
from home.page_requests import is_anonymous, is_page_path
from security_headers.middleware import has_own_content_policy

from . import recent_pages
from .front_cache import schedule_purge
from .generation import current_generation, is_enabled, new_generation, page_cache

# ?page= and ?tag= on the blog index; ?p= on the sitemap sections.
ALLOWED_QUERY_PARAMS = frozenset({"page", "tag", "p"})
_QUERY_VALUE = re.compile(r"^[\w-]{1,100}$")
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Cookies besides the session's with which a visitor could see another page.
BYPASS_COOKIES = ("messages",)
COMPRESSIBLE_TYPES = ("text/", "application/xml", "application/rss+xml", "application/json")
MIN_COMPRESS_LENGTH = 200
BROWSER_CACHE_CONTROL = "max-age=0, must-revalidate, public"


def invalidate() -> None:
    """Make every cached page stale: now, and again once the change is committed."""
    new_generation()
    transaction.on_commit(new_generation)
    # After the new generation: nginx then fetches the new token (caching/front_cache.py).
    schedule_purge()


# -- what changes the public site -----------------------------------------------------


def _changes_public_site(instance, signal) -> bool:
    if isinstance(instance, AbstractRendition):
        # New renditions are made while pages render and change nothing shown.
        return signal is post_delete
    if isinstance(
        instance,
        (Page, Site, PageViewRestriction, BaseSiteSetting, BaseGenericSetting, AbstractImage),
    ):
        return True
    return type(instance) in get_snippet_models()


def _on_model_change(sender, instance, signal, **kwargs):
    if _changes_public_site(instance, signal):
        invalidate()


def _on_change(sender, **kwargs):
    invalidate()


def connect_signals() -> None:
    """Called by ``CachingConfig.ready()``."""
    post_save.connect(_on_model_change, dispatch_uid="page_cache_post_save")
    post_delete.connect(_on_model_change, dispatch_uid="page_cache_post_delete")
    for signal in (page_published, page_unpublished, post_page_move, published, unpublished):
        signal.connect(_on_change, dispatch_uid=f"page_cache_{id(signal)}")
    # Pictures stored again without their metadata: cached pages link the renditions
    # deleted with the old files (home/image_metadata.py).
    stored_images_cleaned.connect(_on_change, dispatch_uid="page_cache_stored_images_cleaned")


# -- the middleware --------------------------------------------------------------------


def _has_bypass_cookie(request) -> bool:
    return not is_anonymous(request) or any(name in request.COOKIES for name in BYPASS_COOKIES)


def request_key(request) -> str | None:
    """What identifies the page a request asks for, or None when it must bypass."""
    if request.method not in ("GET", "HEAD") or _has_bypass_cookie(request):
        return None
    path = request.path
    if not is_page_path(path):
        return None
    query = []
    for name in request.GET:
        values = request.GET.getlist(name)
        if name not in ALLOWED_QUERY_PARAMS or len(values) != 1:
            return None
        if not _QUERY_VALUE.match(values[0]):
            return None
        query.append(f"{name}={values[0]}")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{request.scheme}://{host}{path}?{'&'.join(sorted(query))}"


def _storage_key(generation: str, key: str) -> str:
    return f"page-cache:{generation}:{hashlib.md5(key.encode()).hexdigest()}"


def _is_cacheable(request, response) -> bool:
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if getattr(request, "page_cache_exempt", False) or getattr(request, "is_preview", False):
        return False
    if has_own_content_policy(request, response):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    if "cookie" in vary or "*" in vary:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def _compressible(response) -> bool:
    return (
        not response.has_header("Content-Encoding")
        and response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES)
        and len(response.content) >= MIN_COMPRESS_LENGTH
    )


def _entry_for(response) -> dict:
    body = response.content
    headers = {
        name: value
        for name, value in response.items()
        if name.lower() not in ("content-length", "content-encoding", "vary", "etag")
    }
    headers.setdefault("Cache-Control", BROWSER_CACHE_CONTROL)
    return {
        "status": response.status_code,
        "headers": headers,
        "body": body,
        "gzip": gzip.compress(body, compresslevel=6, mtime=0) if _compressible(response) else None,
        "etag": f'W/"{hashlib.md5(body).hexdigest()}"',
        "stored_at": time.time(),
    }


def _timeout() -> int:
    return getattr(settings, "PAGE_CACHE_TIMEOUT", 3600)


def _stored_entry(storage_key: str) -> dict | None:
    """The stored page: this process's copy (caching/recent_pages.py), or the shared cache's.
    The copy is made when this process stores the page or first reads it."""
    entry = recent_pages.get(storage_key)
    if entry is None:
        entry = page_cache().get(storage_key)
        if entry is not None:
            recent_pages.keep(storage_key, entry, _timeout())
    return entry


def _response_from(request, entry: dict, state: str) -> HttpResponse:
    wants_gzip = entry["gzip"] is not None and _ACCEPTS_GZIP.search(
        request.META.get("HTTP_ACCEPT_ENCODING", "")
    )
    response = HttpResponse(
        entry["gzip"] if wants_gzip else entry["body"],
        status=entry["status"],
        headers=entry["headers"],
    )
    if wants_gzip:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    response["ETag"] = entry["etag"]
    if state == "hit" or state == "miss":
        response["Last-Modified"] = http_date(entry["stored_at"])
    # The page is chosen by the absence of a session cookie, and compressed or not.
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    response["X-Page-Cache"] = state
    return get_conditional_response(
        request,
        etag=entry["etag"],
        last_modified=entry["stored_at"] if state != "off" else None,
        response=response,
    )


class PageCacheMiddleware:
    """Serves and stores whole pages for anonymous visitors. Place it above the session,
    CSRF and authentication middleware, so that it sees the cookies and Vary they add."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request_key(request)
        if key is None:
            return self._bypass(request, self.get_response(request))
        enabled = is_enabled()
        storage_key = None
        if enabled:
            # Read before rendering: a change made while this page renders replaces the
            # generation, and the page is stored under the old one, never to be read.
            generation = current_generation()
            enabled = generation is not None
        if enabled:
            storage_key = _storage_key(generation, key)
            entry = _stored_entry(storage_key)
            if entry is not None:
                return _response_from(request, entry, "hit")
        response = self.get_response(request)
        if not _is_cacheable(request, response):
            return self._bypass(request, response)
        entry = _entry_for(response)
        if enabled:
            page_cache().set(storage_key, entry, timeout=_timeout())
            recent_pages.keep(storage_key, entry, _timeout())
        return _response_from(request, entry, "miss" if enabled else "off")

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Without a session cookie the visitor is anonymous: say so without opening the
        # session, which would add "Vary: Cookie" (the userbar asks for request.user)
        # and make every page uncacheable.
        if is_anonymous(request):
            request.user = AnonymousUser()

            async def auser():
                return request.user

            request.auser = auser
        return None

    @staticmethod
    def _bypass(request, response):
        if not response.has_header("Cache-Control") and (
            _has_bypass_cookie(request) or response.cookies
        ):
            # Made for one visitor: no shared cache may keep it.
            response["Cache-Control"] = "private, no-cache"
        response.setdefault("X-Page-Cache", "bypass")
        return response
