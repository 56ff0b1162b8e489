"""What keeps the booking and contact forms safe from bots, floods and malformed input.

Shared by the booking page and the contact page:

- a signed form token, issued with the form, carries the time it was shown and a random
  one-time value. It proves the minimum fill time, and its one-time value makes a double
  click store one submission (see ``SubmissionToken``);
- a honeypot field, hidden from people and from assistive technology;
- a per-address rate limit on posts, kept in the default cache;
- validators that refuse control characters, line breaks in one-line fields and NUL bytes.
"""

import hashlib
import ipaddress
import secrets
import time
from enum import StrEnum

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from home.visitor_text import CONTROL_CHARACTERS, MULTILINE_ALLOWED

from .form_records import SubmissionToken

TOKEN_SALT = "services.protection.form-token"
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "website"
# A form left open longer than this is refused politely, not quarantined.
TOKEN_MAX_AGE = 60 * 60 * 24


def min_fill_seconds() -> float:
    return getattr(settings, "FORM_MIN_FILL_SECONDS", 3)


def issue_form_token(issued_at: float | None = None) -> str:
    """A signed token recording when the form was shown, with a one-time value."""
    return signing.dumps(
        {"t": time.time() if issued_at is None else issued_at, "n": secrets.token_hex(16)},
        salt=TOKEN_SALT,
    )


class FormTokenError(Exception):
    """The post's form token is not one this site issued and still accepts."""


class MissingToken(FormTokenError):
    """No token, or one far too long to be ours: the post did not come from our form."""


class ForgedToken(FormTokenError):
    """A token whose signature or contents are wrong: not from our form."""


class ExpiredToken(FormTokenError):
    """Our own token, from a form left open longer than ``TOKEN_MAX_AGE``: a person, late."""


def read_form_token(value: str) -> tuple[str, float]:
    """The token's one-time value and its age in seconds; a ``FormTokenError`` if none."""
    if not value or len(value) > 500:
        raise MissingToken
    try:
        data = signing.loads(value, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise ForgedToken from error
    try:
        return str(data["n"]), time.time() - float(data["t"])
    except (KeyError, TypeError, ValueError) as error:
        raise ForgedToken from error


class SpamReason(StrEnum):
    """Why a post looks automated; the value is what the quarantine list shows."""

    HONEYPOT = "honeypot"
    TOO_FAST = "too fast"
    NO_VALID_TOKEN = "no valid form token"


def spam_reason(form_token_age: float, honeypot_value: str) -> SpamReason | None:
    """Why a post with a valid token looks automated, or None when it looks human."""
    if honeypot_value:
        return SpamReason.HONEYPOT
    if form_token_age < min_fill_seconds():
        return SpamReason.TOO_FAST
    return None


class ProtectedFormMixin(forms.Form):
    """The hidden signed token and the honeypot, added to any form."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    # Named like a real field so that bots fill it in. People never see it: the wrapper is
    # hidden with the `hidden` attribute and `aria-hidden`, and it is out of the tab order.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


# -- input hygiene ---------------------------------------------------------------


def validate_single_line(value: str) -> None:
    if any(ch in CONTROL_CHARACTERS for ch in value or ""):
        raise ValidationError(
            "Please use a single line, without line breaks or special characters.",
            code="control_characters",
        )


def validate_multi_line(value: str) -> None:
    if any(ch in CONTROL_CHARACTERS - MULTILINE_ALLOWED for ch in value or ""):
        raise ValidationError(
            "Please remove the special (control) characters from this text.",
            code="control_characters",
        )


# -- rate limit ------------------------------------------------------------------


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted_proxy(address) -> bool:
    return any(address in network for network in getattr(settings, "TRUSTED_PROXIES", []))


def client_address(request) -> str:
    """The visitor's address, for the form rate limit and django-axes.

    ``REMOTE_ADDR``, unless it is one of ``TRUSTED_PROXIES`` and ``FORM_CLIENT_IP_HEADER``
    names a header: then the address the proxy gives there. A client that reaches the server
    directly is never trusted, whatever headers it sends. In a list (``X-Forwarded-For``, to
    which each proxy appends), the client is the last address that is not a trusted proxy:
    the ones before it were written by whoever sent the request.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "FORM_CLIENT_IP_HEADER", "")
    remote_ip = _ip(remote)
    if remote_ip is None:
        # No address at all: gunicorn on a unix socket, which only this machine can reach.
        from_proxy = not remote
    else:
        from_proxy = _is_trusted_proxy(remote_ip)
    if not header or not from_proxy:
        return remote
    client = None
    for entry in reversed(request.META.get(header, "").split(",")):
        address = _ip(entry)
        if address is None:
            break
        client = address
        if not _is_trusted_proxy(address):
            break
    return str(client) if client is not None else remote


def rate_limited(request, scope: str = "forms") -> bool:
    """Count one post from this address; True when it is over the limit for this minute.

    A fixed window in the default cache: ``cache.add`` then ``cache.incr``. Both are atomic
    on Redis and on the local-memory cache; on the file and database caches ``incr`` is a
    read then a write, so a burst of simultaneous posts may be under-counted by a few. That
    is enough to stop a flood, and no cache failure ever refuses a visitor.
    """
    limit = getattr(settings, "FORM_RATE_LIMIT_POSTS", 5)
    window = getattr(settings, "FORM_RATE_LIMIT_WINDOW", 60)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{address}:{int(time.time() // window)}"
    try:
        if cache.add(key, 1, timeout=window + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window + 5)
                count = 1
    except Exception:  # a cache outage must not refuse real visitors
        return False
    return count > limit


def describe_errors(form) -> None:
    """Tie each field's error and help text to its input with aria-describedby."""
    for name, field in form.fields.items():
        bound = form[name]
        ids = []
        if bound.errors:
            ids.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if field.help_text:
            ids.append(f"{bound.auto_id}_helptext")
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)


# -- one store per form ----------------------------------------------------------


def claim_token(token: str) -> bool:
    """Record a form's one-time value inside the caller's transaction. False if already
    used: the same form posted twice, so nothing more is stored."""
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token)
    except IntegrityError:
        return False
    return True
