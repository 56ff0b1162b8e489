"""The client's own link, sent with every confirmation and new time: no login, signed.

The link holds the booking's id and its ``calendar_sequence`` when the email was queued,
signed with the site's secret (``django.core.signing``'s ``Signer``, salted for this use). It works while the appointment is
still ahead and still at that version: any change the client is told of raises the
sequence, so the link from an older email stops working. A forged link fails the signature.
What the link leads to is ``services.client_pages``.
"""

import dataclasses

from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "services.client_link"


@dataclasses.dataclass(frozen=True)
class LinkData:
    booking_id: int
    sequence: int


class ForgedLink(Exception):
    """The link was not made by this site, or was changed."""


def signature(payload: str) -> str:
    return signing.Signer(salt=SALT).signature(payload)


def make_token(booking_id: int, sequence: int) -> str:
    """``<id>-<sequence>-<signature>``: only letters, digits, "-" and "_", as Wagtail's page
    routing accepts in a path segment (``signing.dumps`` would put ":" in it)."""
    payload = f"{booking_id}-{sequence}"
    return f"{payload}-{signature(payload)}"


def read_token(token: str) -> LinkData:
    booking_id, sequence, given = (token.split("-", 2) + ["", ""])[:3]
    payload = f"{booking_id}-{sequence}"
    if not (booking_id.isdigit() and sequence.isdigit() and given):
        raise ForgedLink
    if not constant_time_compare(given, signature(payload)):
        raise ForgedLink
    return LinkData(booking_id=int(booking_id), sequence=int(sequence))


def link_url(booking, sequence: int) -> str:
    """The full address of the link, under the site's booking page."""
    from .models import BookingPage

    page = BookingPage.objects.live().first()
    if page is None:
        return ""
    token = make_token(booking.pk or 0, sequence)
    return page.get_full_url() + page.reverse_subpage("client_link", args=[token])
