"""Page views per page per day, counted on the server: no cookie, no address, no third party.

``PageViewMiddleware`` sits above the page cache, so pages the cache answers are counted
like pages rendered afresh. It counts a GET answered 200 with HTML, for a page's path
(home/page_requests.py), from a visitor whose browser names itself and is not a robot;
not from a member of staff, nor from the page warmer (caching/warming.py). It keeps the path and the day, and nothing about who asked.

A count costs no query on the way to the page: it is added to a tally in this process's
memory, and the tally is written to ``PageViewDay`` (one transaction, ``views + n``)
at most once every ``PAGE_VIEWS_FLUSH_SECONDS`` (60 by default), after a response has
been sent, and when the process exits. A process killed outright loses at most that
last minute's tally; a database that refuses the write keeps the tally for the next try.
With ``PAGE_VIEWS_FLUSH_SECONDS = None`` (the tests) only ``flush()`` writes.

Behind nginx's front cache (deploy/nginx/), the pages nginx answers from its own cache never
reach the app: ``front_cache_log.py`` counts them from nginx's log of those answers,
with the same rule (``counts_as_view``) and the same write (``write_views``).
"""

import atexit
import datetime
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from home.page_requests import is_anonymous, is_page_path, is_warming

from .models import PageViewDay

logger = logging.getLogger(__name__)

# What robots put in their user agent: most say bot, crawler or spider; the rest are
# named here (link previews, monitors, headless browsers, command-line clients). Plain
# substrings of the lower-cased agent: a regular expression of as many words costs
# several times as much on every page.
ROBOT_WORDS = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "headless",
    "lighthouse",
    "preview",
    "monitor",
    "uptime",
    "validator",
    "facebookexternalhit",
    "embedly",
    "scrapy",
    "curl",
    "wget",
    "python",
    "java/",
    "go-http",
    "httpclient",
    "okhttp",
    "axios",
    "node-fetch",
    "libwww",
    "feedfetcher",
    "archiver",
    "phantomjs",
    "selenium",
)
# The longest path ``PageViewDay`` keeps.
MAX_PATH_LENGTH = 255

_lock = threading.Lock()
_tally: Counter = Counter()
_last_flush = time.monotonic()
# Today's date, and the time.time() at which it ends: found once a day, not once a view.
_today = None
_today_ends = 0.0


def is_robot(user_agent: str) -> bool:
    agent = user_agent.strip().lower()
    return not agent or any(word in agent for word in ROBOT_WORDS)


def _is_staff(request) -> bool:
    # An anonymous visitor cannot be signed in; for them, looking at request.user would
    # open a session for nothing.
    if is_anonymous(request):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def counts_as_view(method: str, status: int, content_type: str, path: str, user_agent: str) -> bool:
    """Whether an answer is a page seen by a person: a GET answered 200 with HTML, for the
    path of a page (``home.page_requests.is_page_path``: never the admin, static files,
    media, a thank-you page or an address that is itself a secret, which would keep that
    key in the table and in every backup), from a browser that is not a robot. What the
    app alone can tell (staff, previews, the page warmer) is ``is_counted``'s."""
    if method != "GET" or status != 200:
        return False
    if not content_type.startswith("text/html"):
        return False
    if len(path) > MAX_PATH_LENGTH or not is_page_path(path):
        return False
    return not is_robot(user_agent)


def is_counted(request, response) -> bool:
    """Whether this request is a person seeing a public page."""
    if is_warming(request):
        return False
    if not counts_as_view(
        request.method,
        response.status_code,
        response.get("Content-Type", ""),
        request.path,
        request.META.get("HTTP_USER_AGENT", ""),
    ):
        return False
    if getattr(request, "is_preview", False):
        return False
    return not _is_staff(request)


def _local_today() -> datetime.date:
    global _today, _today_ends
    if time.time() >= _today_ends:
        now = timezone.localtime()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        _today = now.date()
        _today_ends = (midnight + datetime.timedelta(days=1)).timestamp()
    return _today


def count(path: str) -> None:
    """Add one view of ``path`` today to this process's tally: no query."""
    key = (path, _local_today())
    with _lock:
        _tally[key] += 1


def pending() -> dict:
    """The tally not yet written, by (path, day)."""
    with _lock:
        return dict(_tally)


def discard_pending() -> None:
    with _lock:
        _tally.clear()


def _add(path, day, views: int) -> None:
    rows = PageViewDay.objects.filter(path=path, day=day)
    if rows.update(views=F("views") + views):
        return
    try:
        with transaction.atomic():
            PageViewDay.objects.create(path=path, day=day, views=views)
    except IntegrityError:
        # Another process made the row in between: add to it.
        rows.update(views=F("views") + views)


def write_views(views_by_day: dict) -> None:
    """Add views, by (path, day), to ``PageViewDay`` in one transaction; raises
    ``DatabaseError`` with nothing written."""
    if not views_by_day:
        return  # no transaction: on SQLite even an empty one takes the write lock
    with transaction.atomic():
        for (path, day), views in views_by_day.items():
            _add(path, day, views)


def flush() -> int:
    """Write the tally to the database; the number of views written."""
    global _last_flush
    with _lock:
        taken = dict(_tally)
        _tally.clear()
        _last_flush = time.monotonic()
    if not taken:
        return 0
    try:
        write_views(taken)
    except DatabaseError:
        logger.warning("Page views kept for the next try: the database refused them.")
        with _lock:
            _tally.update(taken)
        return 0
    return sum(taken.values())


def flush_interval() -> float | None:
    return getattr(settings, "PAGE_VIEWS_FLUSH_SECONDS", 60)


def flush_if_due(**kwargs) -> None:
    """``request_finished``: the response has been sent, so a write here delays no one."""
    interval = flush_interval()
    if interval is None or time.monotonic() - _last_flush < interval:
        return
    flush()


def _flush_at_exit() -> None:
    if flush_interval() is not None:
        try:
            flush()
        except Exception:  # the process is ending: never let the tally stop it
            logger.exception("Page views could not be written at exit.")


atexit.register(_flush_at_exit)


class PageViewMiddleware:
    """Counts the views of public pages. Place it just above ``PageCacheMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(flush_if_due, dispatch_uid="page_views_flush_if_due")

    def __call__(self, request):
        response = self.get_response(request)
        if is_counted(request, response):
            count(request.path)
        return response


# -- reading the counts ------------------------------------------------------------------


def views_by_path(since) -> list[tuple[str, int]]:
    """Every counted path with its views since ``since`` (a date), most viewed first."""
    return list(
        PageViewDay.objects.filter(day__gte=since)
        .values("path")
        .annotate(total=Sum("views"))
        .order_by("-total", "path")
        .values_list("path", "total")
    )
