"""The front cache (nginx, deploy/nginx/) and the app agree on one generation token.

nginx keys every cached page with the page cache's generation (caching/generation.py),
which it asks the app for through ``generation`` (an ``auth_request``) and keeps for a
short while. Emptying the front cache is then one request that makes nginx fetch the
new token at once: every page cached under the old one is never read again. So a
publish, an unpublish, a move or a settings change, everything that replaces the
generation, empties nginx too, with one request and no list of URLs. (Debian's
cache_purge module, the other way, crashes nginx 1.22's worker on every purge here.)

The purge goes through ``wagtail.contrib.frontend_cache``'s HTTP backend, configured only
when ``FRONTEND_CACHE_PURGE_URL`` is set: a single server without nginx sends nothing.
"""

import http.client
import logging
import uuid
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from wagtail.contrib.frontend_cache.backends.http import HTTPBackend
from wagtail.contrib.frontend_cache.utils import get_backends

from .generation import current_generation

logger = logging.getLogger(__name__)

GENERATION_PATH = "/_front-cache/generation"
PURGE_PATH = "/_front-cache/purge"
GENERATION_HEADER = "X-Page-Generation"
PURGE_TIMEOUT_SECONDS = 5


@require_GET
def generation(request):
    """nginx's ``auth_request``: 204, with the token its page keys include."""
    response = HttpResponse(status=204)
    # While the shared cache is away, a token of this answer's own: nginx keeps it until
    # the next purge or for 30 seconds, as it would any generation.
    response[GENERATION_HEADER] = current_generation() or uuid.uuid4().hex
    return response


class GenerationPurgeBackend(HTTPBackend):
    """Wagtail's HTTP backend, sending the one request that replaces nginx's generation.

    nginx (deploy/nginx/practice/purge.conf) answers it by fetching ``generation`` from
    the app with the site's host and scheme, which this request carries, and caching it.
    """

    def purge(self, url):
        parts = urlsplit(url)
        # GET, not PURGE: nginx stores answers only to GET and HEAD.
        request = Request(
            url=f"{self.cache_scheme}://{self.cache_netloc}{PURGE_PATH}",
            headers={
                "Host": parts.netloc,
                "X-Forwarded-Proto": parts.scheme,
                "User-Agent": "practice-front-cache",
            },
        )
        try:
            with urlopen(request, timeout=PURGE_TIMEOUT_SECONDS):
                pass
        except HTTPError as error:
            logger.error("The front cache refused the purge: HTTP %s", error.code)
        except (OSError, http.client.HTTPException) as error:
            # Refused, reset, timed out, or an answer cut short: publishing goes on.
            # nginx's generation expires on its own (deploy/nginx/practice/locations.conf).
            logger.error("The front cache could not be purged: %s", error)


def schedule_purge() -> None:
    """One purge once the change is committed, however often a publish replaces the
    generation (each page save, revision and signal does)."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", [])
    if connection.in_atomic_block and any(hook[1] is purge_everything for hook in pending):
        return
    transaction.on_commit(purge_everything, robust=True)


def purge_everything() -> None:
    """Called once the generation has been replaced and the change committed."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    site_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    for backend in get_backends().values():
        backend.purge(site_url + PURGE_PATH)
