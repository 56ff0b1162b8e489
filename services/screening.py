"""Step 1 of a post to the booking or contact form: screen it before any form sees it.

The rate limit, the signed one-time form token, the honeypot and the fill time give a
verdict. A post that looked automated is quarantined here, capped and without its health
notes; a person's form left open too long, or a post far too large, is passed on with the
refusal the form must show, every value kept.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from django.db import transaction
from django.http import QueryDict

from .form_records import QuarantinedSubmission
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ExpiredToken,
    FormTokenError,
    SpamReason,
    issue_form_token,
    rate_limited,
    read_form_token,
    spam_reason,
)

logger = logging.getLogger(__name__)

# Limits on what one post may carry before any form sees it.
MAX_POST_FIELDS = 60
MAX_FIELD_LENGTH = 5000
TOO_LONG = "Some of what you sent is far too long. Please shorten it."

# What is kept of a quarantined post: enough for the therapist to tell a person from a bot,
# never a bot's megabytes. At most 30 fields, in the order posted; each name cut to 50
# characters and each value to 500, so a row holds at most about 16,500 characters
# whatever was sent. Names lose control characters and values lose NUL bytes, which
# PostgreSQL refuses in JSON. How many fields were left out is kept under LEFT_OUT.
# Special-category fields (health notes) are never kept, whatever the consent box says:
# a quarantined post was never accepted, so no consent was ever recorded for it.
QUARANTINE_MAX_FIELDS = 30
QUARANTINE_MAX_NAME = 50
QUARANTINE_MAX_VALUE = 500
LEFT_OUT = "(fields not kept)"
NOT_KEPT = ("csrfmiddlewaretoken", TOKEN_FIELD)


def oversized(post) -> bool:
    return len(post) > MAX_POST_FIELDS or any(
        len(value) > MAX_FIELD_LENGTH for values in post.lists() for value in values[1]
    )


def quarantined_data(post, special_category: Collection[str] = ()) -> dict[str, str]:
    """What is kept of a post that looked automated: see QUARANTINE_MAX_FIELDS."""
    data = {}
    left_out = 0
    for key, value in post.items():
        if key in NOT_KEPT or key in special_category:
            continue
        name = "".join(ch for ch in key if ch.isprintable())[:QUARANTINE_MAX_NAME] or "?"
        if len(data) >= QUARANTINE_MAX_FIELDS or name in data:
            left_out += 1
            continue
        data[name] = str(value).replace("\x00", "")[:QUARANTINE_MAX_VALUE]
    if left_out:
        data[LEFT_OUT] = str(left_out)
    return data


def quarantine(
    form_name: str, post, reason: SpamReason, special_category: Collection[str] = ()
) -> None:
    """Keep what a bot sent, capped and cleaned, so the therapist can check it; never the
    fields named in ``special_category``."""
    data = quarantined_data(post, special_category)
    QuarantinedSubmission.objects.create(
        form=form_name,
        reason=reason,
        email=data.get("email", "")[:254],
        data=data,
    )
    logger.info("Quarantined a %s submission (%s)", form_name, reason)


class Verdict(Enum):
    """What screening decided about a post, before any form sees it."""

    PASSED = "passed"  # looks like a person: validate it, then store it
    EXPIRED = "expired"  # a person's form, open too long: shown again, every value kept
    QUARANTINED = "quarantined"  # looked automated: kept aside, thanked like anyone
    RATE_LIMITED = "rate limited"  # too many posts from one address this minute


@dataclass(frozen=True)
class Screening:
    verdict: Verdict
    token: str | None = None  # the post's one-time value, when it passed
    post: QueryDict | None = None  # what the form is bound to, when a person sent it
    refusal: str | None = None  # what the form must say instead of storing, if anything

    @property
    def for_a_person(self) -> bool:
        return self.verdict in (Verdict.PASSED, Verdict.EXPIRED)


def screen(
    request, form_name: str, *, what: str = "details", special_category: Collection[str] = ()
) -> Screening:
    """Abuse checks shared by both forms, before any validation. A quarantined post is
    kept (see ``quarantine``, without its ``special_category`` fields) before this returns.
    ``what`` names what the visitor filled in, for the message about an expired form."""
    if rate_limited(request):
        return Screening(Verdict.RATE_LIMITED)
    post = request.POST
    try:
        token, age = read_form_token(post.get(TOKEN_FIELD, ""))
    except ExpiredToken:
        return expired(post, what)
    except FormTokenError:
        token, reason = None, SpamReason.NO_VALID_TOKEN
    else:
        reason = spam_reason(age, post.get(HONEYPOT_FIELD, ""))
    if reason:
        with transaction.atomic():
            quarantine(form_name, post, reason, special_category)
        return Screening(Verdict.QUARANTINED)
    refusal = TOO_LONG if oversized(post) else None
    return Screening(Verdict.PASSED, token, post.copy(), refusal)


def expired(post, what: str) -> Screening:
    """A person's form, open too long: bound again with a fresh token, to send again."""
    fresh = post.copy()
    fresh[TOKEN_FIELD] = issue_form_token()
    refusal = (
        TOO_LONG
        if oversized(post)
        else (
            "This form was open for a long time, so for your security we did not send it. "
            f"Please check your {what} and send it again."
        )
    )
    return Screening(Verdict.EXPIRED, post=fresh, refusal=refusal)
