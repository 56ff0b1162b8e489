"""The addresses whose path is itself a secret, and hiding those secrets in logs.

Three kinds of address are keys in themselves: whoever has one can act without signing in.

- a client's own link, ``<booking page>/appointment/<token>/`` (bookings/client_link.py),
  under whatever address the booking page has;
- the therapist's calendar feed, ``/calendar/<token>.ics`` (bookings/calendar_feed.py);
- a password-reset link, ``/admin/password_reset/confirm/<uidb64>/<token>/`` (Wagtail's admin).

``redact`` replaces the secret part of any text that names one, spelled plainly or with its
slashes percent-encoded (``?next=%2Fcalendar%2F…``), by ``[secret]``. ``RedactSecrets`` is
the logging filter that does it to every record (installed in ``LOGGING``, and in gunicorn's
logs by practice/gunicorn_logging.py); ``carries_secret`` tells page views and the booking
form's "came from" to keep no such path. This module imports nothing of Django's, so
gunicorn's logger and the logging configuration can load it before the site is set up.
"""

import logging
import re

MARK = "[secret]"

# A path separator, also percent-encoded, as it is inside a query string.
_SLASH = r"(?:/|%2[Ff])"
# One path segment: what a token is made of, up to the next separator, query or quote.
_SEGMENT = r"[^/?#&\s\"'%]+"

SECRET_PATTERNS = (
    # The client's link, under the booking page (its address is the therapist's to choose).
    re.compile(rf"(?P<before>{_SLASH}appointment{_SLASH})(?P<secret>{_SEGMENT})"),
    # The calendar feed (a guess without ".ics" too: it may be a real token, cut short).
    re.compile(rf"(?P<before>{_SLASH}calendar{_SLASH})(?P<secret>{_SEGMENT})"),
    # A password-reset link: the account's id and the token (or, after Django's redirect,
    # the id and "set-password").
    re.compile(
        rf"(?P<before>{_SLASH}password_reset{_SLASH}confirm{_SLASH})"
        rf"(?P<secret>{_SEGMENT}(?:{_SLASH}{_SEGMENT})?)"
    ),
)


def carries_secret(text: str) -> bool:
    """Whether ``text`` (a path, a URL, a log line) names one of the secret addresses."""
    return any(pattern.search(text) for pattern in SECRET_PATTERNS)


def redact(text: str) -> str:
    """``text`` with the secret part of every secret address in it replaced by ``[secret]``."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group("before") + MARK, text)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter: the record's message, arguments merged in, with every secret redacted.

    On a handler it covers every logger whose records reach that handler; on a logger, the
    records logged through that logger itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: the handler reports it, unformatted
            record.msg, record.args = redact(str(record.msg)), ()
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # Formatted here so that the traceback's text can be cleaned too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
