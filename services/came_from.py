"""The page of this site a visitor came from to the booking form, without cookies or scripts.

The booking links on guides and treatments say where they are (``?from=/blog/…/``); any
other link is known by the ``Referer`` its browser sends with the GET that shows the form
(same-site only: the site's default referrer policy sends the path to itself alone).
The form carries the path in a hidden field, and the request stores it. Only a path of this
site is kept: never another site's address, a query string or anything about the visitor.
"""

import re
from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from secret_paths.redaction import carries_secret

MAX_LENGTH = 255
# A plain path: letters, digits and the characters Wagtail's slugs and routes use.
_PATH = re.compile(r"^/[\w\-./~%]*$")


def clean_path(value: str) -> str:
    """``value`` as a path of this site, or "" when it is not one."""
    value = (value or "").strip()
    if not value or len(value) > MAX_LENGTH or not _PATH.match(value) or value.startswith("//"):
        return ""
    # A client's own link is a key to their booking: it is never stored beside another one.
    return "" if carries_secret(value) else value


def same_site_path(url: str, request) -> str:
    """The path of ``url`` when it is an address on this site, else ""."""
    if not url or len(url) > 2000:
        return ""
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return clean_path(urlsplit(url).path)


def came_from_path(request) -> str:
    """Where the visitor who asks for the booking form came from: ``?from=``, else the
    Referer, unless either is the booking page itself (a reload, or a form sent back)."""
    path = clean_path(request.GET.get("from", "")) or same_site_path(
        request.META.get("HTTP_REFERER", ""), request
    )
    return "" if path == request.path else path
