"""The client's own link, sent with every confirmation and new time: no login, signed.

The link holds the booking's ``public_id`` (a random UUID, never handed out again, as the id
is after a restore from an older backup) and its ``calendar_sequence`` when the email was
queued, signed with the site's secret (``django.core.signing``'s ``Signer``, salted for this
use). It works while the appointment is still ahead and still at that version: any change the
client is told of raises the sequence, so the link from an older email stops working. A forged
link fails the signature. Links of the earlier form, which named the booking by its id, are
refused like forged ones: after a restore their id may name someone else's booking.
What the link leads to is ``bookings.client_pages``, served by the page type that
``services`` names in its ``AppConfig.ready()`` (``bookings`` never imports ``services``).
"""

import dataclasses
import re
import uuid

from django.core import signing
from django.utils.crypto import constant_time_compare

# Not the salt of the id-based links: none of their signatures is valid for a new link.
SALT = "bookings.client_link.public_id"
PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
# The page type whose route ``client_link`` serves the link: the booking page.
LINK_PAGE_TYPES: list = []


def serve_links_from(page_type) -> None:
    """Called by the app that owns the page type, when the apps are ready."""
    if page_type not in LINK_PAGE_TYPES:
        LINK_PAGE_TYPES.append(page_type)


@dataclasses.dataclass(frozen=True)
class LinkData:
    public_id: uuid.UUID
    sequence: int


class ForgedLink(Exception):
    """The link was not made by this site, or was changed."""


def signature(payload: str) -> str:
    return signing.Signer(salt=SALT).signature(payload)


def make_token(public_id: uuid.UUID, sequence: int) -> str:
    """``<public id in hex>-<sequence>-<signature>``: only letters, digits, "-" and "_", as
    Wagtail's page routing accepts in a path segment (``signing.dumps`` would put ":" in it)."""
    payload = f"{public_id.hex}-{sequence}"
    return f"{payload}-{signature(payload)}"


def read_token(token: str) -> LinkData:
    public_id, sequence, given = (token.split("-", 2) + ["", ""])[:3]
    payload = f"{public_id}-{sequence}"
    if not (PUBLIC_ID.fullmatch(public_id) and sequence.isdigit() and given):
        raise ForgedLink
    if not constant_time_compare(given, signature(payload)):
        raise ForgedLink
    return LinkData(public_id=uuid.UUID(hex=public_id), sequence=int(sequence))


def link_url(booking, sequence: int) -> str:
    """The full address of the link, under the site's booking page."""
    page = link_page()
    if page is None:
        return ""
    token = make_token(booking.public_id, sequence)
    return page.get_full_url() + page.reverse_subpage("client_link", args=[token])


def link_page():
    """The live page that serves the links, if the site has one."""
    for page_type in LINK_PAGE_TYPES:
        page = page_type.objects.live().first()
        if page is not None:
            return page
    return None
