"""The shared cache on Redis, which answers from this process's memory while Redis is away.

Everything that uses the cache (the page cache, the rate limits, Wagtail's renditions and
site paths, the warming claim) goes through these backends, so one rule covers them all:

- A call that cannot reach Redis (refused, timed out, loading, read-only or out of memory)
  is answered by a local-memory cache of this process instead, and Redis is left alone
  for ``RETRY_SECONDS``: no request waits for a server that is gone. The outage is logged
  once when it starts and once when it ends, never per request.
- While it lasts, the cache still counts and remembers, per process: the rate limits hold
  per worker, a value computed once is kept. What needs *one* answer for every process
  (the page cache's generation) asks ``is_shared(cache)`` and does without the cache.
- Every key this process wrote (or deleted) while Redis was away is deleted in Redis once
  it is back, before anything else is read there, and the local copies are dropped: no
  process reads a value older than the one written during the outage. A change published
  meanwhile therefore replaces the page cache's generation (its key is deleted) even when
  Redis kept its data.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis import exceptions

logger = logging.getLogger(__name__)

UNREACHABLE = (
    exceptions.ConnectionError,  # refused, reset, DNS; also "loading the dataset"
    exceptions.TimeoutError,
    exceptions.ReadOnlyError,  # a replica promoted away from under us
    exceptions.OutOfMemoryError,  # maxmemory with noeviction: refuses every write
)
DEFAULT_RETRY_SECONDS = 5
# Beyond this many keys written during one outage, the whole cache is emptied instead.
MAX_KEYS_TO_UNDO = 10_000


class _Outage:
    """One Redis location as this process sees it: reachable, or away until a moment."""

    def __init__(self, location: str):
        self.location = location
        self.lock = threading.Lock()
        self.retry_at = 0.0
        self.down = False
        self.keys_to_undo: set[str] = set()
        self.clear_on_return = False
        self.fallbacks: dict[str, LocMemCache] = {}  # one per cache alias on this location

    def waiting(self) -> bool:
        return time.monotonic() < self.retry_at

    def begin(self, error: Exception, retry_seconds: float) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + retry_seconds
            if not self.down:
                self.down = True
                logger.error(
                    "Redis at %s cannot be reached (%s): this process uses its own memory "
                    "for the cache until it is back.",
                    self.location,
                    error,
                )

    def remember(self, keys) -> None:
        with self.lock:
            self.keys_to_undo.update(keys)
            if len(self.keys_to_undo) > MAX_KEYS_TO_UNDO:
                self.keys_to_undo.clear()
                self.clear_on_return = True


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage(location))


def is_shared(cache) -> bool:
    """Whether ``cache`` answers for every process right now (any cache but these backends
    while Redis is away)."""
    return getattr(cache, "shared", True)


class FallbackRedisCache(RedisCache):
    """Django's Redis backend; this process's memory while Redis cannot be reached.

    ``OPTIONS`` take ``RETRY_SECONDS`` (how long to leave Redis alone after a failure) and
    ``FALLBACK_MAX_ENTRIES``; the rest go to redis-py as for ``RedisCache``.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._retry_seconds = options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
        max_entries = options.pop("FALLBACK_MAX_ENTRIES", 1000)
        super().__init__(server, {**params, "OPTIONS": options})
        self._outage = _outage_for(server if isinstance(server, str) else ",".join(server))
        # LocMemCache keeps its entries per name and process, so every thread shares them.
        name = f"fallback:{self._outage.location}:{self.key_prefix}"
        self._fallback = LocMemCache(name, {**params, "OPTIONS": {"MAX_ENTRIES": max_entries}})
        self._outage.fallbacks.setdefault(name, self._fallback)

    @property
    def shared(self) -> bool:
        return not self._outage.waiting()

    def _call(self, method: str, written: list[str], *args):
        """``method`` of Redis, or of the local cache while Redis is away; ``written`` are the
        keys it changes, to undo in Redis once it is back."""
        outage = self._outage
        if not outage.waiting():
            try:
                if outage.down:
                    self._back(outage)
                return getattr(RedisCache, method)(self, *args)
            except UNREACHABLE as error:
                outage.begin(error, self._retry_seconds)
        if method == "clear":
            outage.clear_on_return = True
        else:
            outage.remember(written)
        return getattr(self._fallback, method)(*args)

    def _back(self, outage: _Outage) -> None:
        """Undo in Redis what this process wrote elsewhere; raises while still unreachable."""
        with outage.lock:
            if not outage.down:
                return
            if outage.clear_on_return:
                self._cache.clear()
            elif outage.keys_to_undo:
                self._cache.delete_many(list(outage.keys_to_undo))
            outage.keys_to_undo.clear()
            outage.clear_on_return = False
            outage.down = False
            for fallback in outage.fallbacks.values():
                fallback.clear()
            logger.warning("Redis at %s is back: the cache is shared again.", outage.location)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", [self.make_key(key, version)], key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", [], key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", [self.make_key(key, version)], key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", [self.make_key(key, version)], key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", [self.make_key(key, version)], key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", [], keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", [], key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", [self.make_key(key, version)], key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        written = [self.make_key(key, version) for key in data]
        return self._call("set_many", written, data, timeout, version)

    def delete_many(self, keys, version=None):
        written = [self.make_key(key, version) for key in keys]
        return self._call("delete_many", written, keys, version)

    def clear(self):
        return self._call("clear", [])
