"""What a request has read once, kept for the rest of that request: the one place for it.

A page's template calls model methods that are not handed the request: the page's
structured data, the lists a page shows (``BlogIndexPage.articles``), Wagtail's own check
of the served page's view restrictions. Several of them need the same rows. ``middleware``
makes the request being served current for all the code it runs, and then:

- ``remember(key, compute)`` computes a value once per request and keeps it on the
  request; ``forget(key)`` drops it, for a signal that says the rows have changed;
- ``current_request()`` hands the request to Wagtail's own request caches
  (``Site.find_for_request``, ``BaseSiteSetting.for_request``), which the templates'
  context processors use too: a page reads its site and settings no second time.

Outside a request (a command, the shell, the email worker) nothing is kept: ``remember``
computes afresh on every call, and ``current_request()`` is None.
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

from django.http import HttpRequest

T = TypeVar("T")

_current: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
_ATTRIBUTE = "_request_memo"


def current_request() -> HttpRequest | None:
    """The request being served, or None outside one."""
    return _current.get()


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, called once per request for each key."""
    request = _current.get()
    if request is None:
        return compute()
    memo = request.__dict__.setdefault(_ATTRIBUTE, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(key: Hashable) -> None:
    """Drop what the current request remembers for a key: the next read computes it again."""
    request = _current.get()
    if request is not None:
        request.__dict__.get(_ATTRIBUTE, {}).pop(key, None)


def middleware(get_response):
    def serve_with_a_memo(request):
        token = _current.set(request)
        try:
            return get_response(request)
        finally:
            _current.reset(token)

    return serve_with_a_memo
