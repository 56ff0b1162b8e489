"""The one rule for what a request is: for a page or not, from an anonymous visitor or not,
for a form page or not, sent by the page warmer or not; and which page a path shows.

The page cache (caching/page_cache.py), its warming (caching/warming.py) and the page-view
counter (page_views/counting.py, and nginx's log in page_views/front_cache_log.py) all ask
here, so that they never disagree about what a page is.
"""

import posixpath
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from wagtail.models import Site

from secret_paths.redaction import carries_secret

# The site's own addresses that are not pages, each with everything under it: the admins,
# the documents, the search page, and the admin's address on the site this one replaced.
NOT_PAGES = ("/admin/", "/django-admin/", "/documents/", "/search/", "/cms/")
# The last segment of a form's own answer page (the booking and contact pages' routes):
# what a visitor sees after sending, not a page of the site.
ANSWER_PAGES = ("/thanks/",)
# A key of ``request.META`` that only the page warmer sets. It holds no "HTTP_" prefix, so
# no header a visitor sends can put it there.
WARMING = "practice.page_warming"

_SLASHES = re.compile(r"/+")


def _spelled_plainly(path: str) -> str:
    """``path`` as the site routes it, ending in a slash: percent-escapes decoded, repeated
    slashes and dot segments resolved, in lower case."""
    path = posixpath.normpath(_SLASHES.sub("/", "/" + unquote(path)))
    return _SLASHES.sub("/", path + "/").lower()


def _served_here(url: str) -> str | None:
    """The path a static or media URL setting gives, when this site serves it."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/"):
        return None  # another host's (a bucket's) or relative: not one of this site's paths
    return _SLASHES.sub("/", parts.path + "/").lower()


def is_page_path(path: str) -> bool:
    """Whether ``path`` asks for one of the site's public pages (or its feed or sitemap).

    Not the admins, documents or search, nor static files or media, however the path is
    spelled (``/Admin``, ``//admin/``, ``/%61dmin/``, ``/blog/../admin/``); not a form's
    thank-you page; never an address that is itself a secret (a client's link, the
    calendar feed, a password-reset link: ``secret_paths``)."""
    plain = _spelled_plainly(path)
    files = (_served_here(settings.STATIC_URL), _served_here(settings.MEDIA_URL))
    if plain.startswith((*NOT_PAGES, *(prefix for prefix in files if prefix))):
        return False
    return not plain.endswith(ANSWER_PAGES) and not carries_secret(unquote(path))


def is_anonymous(request) -> bool:
    """Whether the visitor cannot be signed in: they hold no session cookie.

    Told without opening the session, which would add ``Vary: Cookie`` to the answer. A
    visitor with a session, signed in or not, is never taken for anonymous."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_form_page(page) -> bool:
    """Whether a page, or a page type, shows a form: its HTML holds a token of each
    visitor's own, so it is never cached nor warmed. A page type says so with
    ``page_cache_exempt = True``; any with Wagtail's form builder is one too."""
    return getattr(page, "page_cache_exempt", False) or hasattr(page, "get_form_class")


def is_warming(request) -> bool:
    """Whether the page warmer (caching/warming.py) sent this request: no visitor's."""
    return request.META.get(WARMING) is True


def pages_for_paths(paths, queryset) -> dict:
    """The page of ``queryset`` each path of the public site shows, by path.

    A path is relative to a site's root page, so ``/blog/a/`` is the page whose
    ``url_path`` is the root's ``url_path`` followed by ``blog/a/``."""
    roots = {root.root_path for root in Site.get_site_root_paths()}
    by_url_path = {root + path.lstrip("/"): path for path in paths for root in roots}
    found = {}
    keys = list(by_url_path)
    for start in range(0, len(keys), 500):
        for page in queryset.filter(url_path__in=keys[start : start + 500]):
            found.setdefault(by_url_path[page.url_path], page)
    return found
