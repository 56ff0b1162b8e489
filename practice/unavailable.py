"""A database that cannot take the work right now answers 503 with Retry-After, never 500.

SQLite's write lock held by another writer past the busy timeout (20 s, settings), a
PostgreSQL server restarting or a lock wait cancelled: Django raises ``OperationalError``.
The visitor then gets a 503 page that says nothing was kept and when to try again, and
proxies, crawlers and monitors get ``Retry-After``. The failed request's transaction was
rolled back, so nothing of it is stored and its form token is still unused: the same form
sent again is taken once.

The page is rendered like the 500 page: no request, no context processors, no query.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# OperationalErrors that are mistakes in the code or the schema, not a busy database:
# they stay 500s, so that they are seen and fixed.
NOT_UNAVAILABLE = ("no such table", "no such column", "has no column", "syntax error")


def database_unavailable(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):  # a connection the server closed under us
        return True
    if not isinstance(error, OperationalError):
        return False
    message = str(error).lower()
    return not any(words in message for words in NOT_UNAVAILABLE)


def unavailable_response():
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        # The path and the error only: never the post, which may hold health notes.
        logger.warning(
            "Database unavailable, answered 503: %s %s (%s)",
            request.method,
            request.path,
            exception,
        )
        return unavailable_response()


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: a database error raised outside the view (by the session, the
    sign-in checks or a redirect lookup in a middleware, which the middleware above never
    sees) is a 503 too. Django calls this while handling the error, so it is the current
    exception."""
    error = sys.exc_info()[1]
    if error is not None and database_unavailable(error):
        logger.warning(
            "Database unavailable, answered 503: %s %s (%s)", request.method, request.path, error
        )
        return unavailable_response()
    return defaults.server_error(request, template_name)
