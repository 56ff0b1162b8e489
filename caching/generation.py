"""The page cache's generation: one token every process agrees on, replaced by any change
to the public site (caching/page_cache.py). Every cached page, the app's and nginx's
(caching/front_cache.py), is stored under a key that names the token its request read."""

import uuid

from django.conf import settings
from django.core.cache import caches

from . import shared_cache

GENERATION_KEY = "page-cache:generation"


def page_cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def is_enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", True)


def current_generation() -> str | None:
    """The token every process agrees on, or None while the shared cache is away
    (caching/shared_cache.py): a token only this process knows could not be replaced by a
    change made in another, so pages are then neither stored nor served from the cache."""
    cache = page_cache()
    generation = cache.get(GENERATION_KEY)
    if not shared_cache.is_shared(cache):
        return None
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation or "none"


def new_generation() -> None:
    # A fresh random token, never an increment: two processes replacing it at the
    # same moment still leave a value that no page was rendered under.
    page_cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
