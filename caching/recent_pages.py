"""This process's copies of the cached pages it served last, to skip the shared cache's
read of the whole page on the next hit.

A copy is kept under the page cache's storage key, which names the generation read at
the start of the request. A change to the public site makes a new generation, so the
next request asks under a new key and never meets an old copy: a copy is as fresh as the
shared cache's own entry. It is dropped when that entry would have expired, and the
least recently served go first once ``PAGE_CACHE_RECENT_PAGES`` are kept (64 by
default: a few megabytes per process).
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings

_lock = threading.Lock()
_copies: OrderedDict = OrderedDict()  # storage key -> (expires at, entry)


def limit() -> int:
    return getattr(settings, "PAGE_CACHE_RECENT_PAGES", 64)


def get(storage_key: str) -> dict | None:
    with _lock:
        kept = _copies.get(storage_key)
        if kept is None:
            return None
        expires_at, entry = kept
        if time.time() >= expires_at:
            del _copies[storage_key]
            return None
        _copies.move_to_end(storage_key)
        return entry


def keep(storage_key: str, entry: dict, timeout: float) -> None:
    """Keep ``entry`` until ``timeout`` seconds after it was stored, as the shared cache
    does."""
    most = limit()
    if most <= 0:
        return
    with _lock:
        _copies[storage_key] = (entry["stored_at"] + timeout, entry)
        _copies.move_to_end(storage_key)
        while len(_copies) > most:
            _copies.popitem(last=False)


def forget_all() -> None:
    with _lock:
        _copies.clear()
