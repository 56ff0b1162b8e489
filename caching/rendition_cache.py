"""The cache behind Wagtail's ``renditions`` alias: the shared cache, without rewrites.

Wagtail 7.4 writes every rendition it reads from the cache straight back to it, on every
render (fixed upstream in wagtail/wagtail#14541, after 7.4). With the file cache that is
a file written and renamed per image per request. These backends mark what they return as
read from the cache, the flag Wagtail already honours, and skip writing such values back.
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

from .shared_cache import FallbackRedisCache


class _NoRewriteMixin:
    @staticmethod
    def _mark(value):
        if value is not None:
            value._from_cache = True
        return value

    def get(self, key, default=None, version=None):
        value = super().get(key, None, version)
        return default if value is None else self._mark(value)

    def get_many(self, keys, version=None):
        found = super().get_many(keys, version)
        for value in found.values():
            self._mark(value)
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if not getattr(value, "_from_cache", False):
            super().set(key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        fresh = {
            key: value for key, value in data.items() if not getattr(value, "_from_cache", False)
        }
        return super().set_many(fresh, timeout, version) if fresh else []


class FileRenditionCache(_NoRewriteMixin, FileBasedCache):
    pass


class RedisRenditionCache(_NoRewriteMixin, FallbackRedisCache):
    pass
