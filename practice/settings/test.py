"""The test suite: fast hashing, plain static files, media in a temporary folder."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(
    os.environ.get("DJANGO_MEDIA_ROOT") or tempfile.mkdtemp(prefix="practice-test-media-")
)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PUBLIC_URL = WAGTAILADMIN_BASE_URL = "http://testserver"

EMAIL_TIMEOUT = 2

# A cache of files in a temporary folder of this process: the production backend,
# never Redis and never var/cache. The page-cache tests turn the page cache on.
CACHES = shared_caches(  # noqa: F405
    "", Path(os.environ.get("DJANGO_CACHE_DIR") or tempfile.mkdtemp(prefix="practice-test-cache-"))
)
PAGE_CACHE_ENABLED = os.environ.get("PAGE_CACHE_ENABLED", "0") == "1"

# -- Page views (page_views/counting.py): written only when a test calls flush() -------
PAGE_VIEWS_FLUSH_SECONDS = None
