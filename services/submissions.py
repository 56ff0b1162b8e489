"""One path for a post to the booking form or the contact form: screen, check, store, thank.

Each form brings only what is its own: how to bind its form, and how to store what it
accepted. Everything else is here, so the two can never drift apart:

- abuse screening before any validation (rate limit, honeypot, fill time, signed token);
- refusing oversized posts and forms left open too long, with every value kept;
- the store, committed once per form token, whatever is clicked twice;
- POST-redirect-GET to the page's thank-you route.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_variables

from .models import QuarantinedSubmission, SubmissionToken
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ExpiredToken,
    FormTokenError,
    SpamReason,
    describe_errors,
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


def too_many_requests(request):
    return TemplateResponse(request, "429.html", status=429, headers={"Retry-After": "60"})


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


def screen_post(request, form_name: str, special_category: Collection[str] = ()) -> Screening:
    """Abuse checks shared by both forms, before any validation. A quarantined post is
    kept (see ``quarantine``, without its ``special_category`` fields) before this returns."""
    if rate_limited(request):
        return Screening(Verdict.RATE_LIMITED)
    post = request.POST
    try:
        token, age = read_form_token(post.get(TOKEN_FIELD, ""))
    except ExpiredToken:
        return Screening(Verdict.EXPIRED)
    except FormTokenError:
        token, reason = None, SpamReason.NO_VALID_TOKEN
    else:
        reason = spam_reason(age, post.get(HONEYPOT_FIELD, ""))
    if reason:
        with transaction.atomic():
            quarantine(form_name, post, reason, special_category)
        return Screening(Verdict.QUARANTINED)
    return Screening(Verdict.PASSED, token)


def render_form(page, request, form, status=200, notice=""):
    describe_errors(form)
    context = page.get_context(request)
    context["form"] = form
    context["form_notice"] = notice
    return TemplateResponse(request, page.get_template(request), context, status=status)


CSRF_NOTICE = (
    "Your browser did not send the security cookie this form needs, so we have not sent "
    "it yet. We kept what you typed: please check it and send it again."
)


@sensitive_variables("initial")
def render_form_again(page, request, make_form):
    """The form as the visitor filled it in, after the CSRF check refused the post (cookies
    cleared or blocked while the page was open). Nothing was screened or stored; the form's
    own token is kept, so the next post is screened as usual. The caller's response must
    never be cached: it holds what the visitor typed (``CSRF_FAILURE_VIEW``)."""
    initial = {
        name: values if len(values) > 1 else values[0] for name, values in request.POST.lists()
    }
    return render_form(page, request, make_form(initial), status=403, notice=CSRF_NOTICE)


@sensitive_variables("post", "form")
def handle_post(
    page,
    request,
    *,
    form_name: str,
    bind_form,
    store,
    what: str,
    special_category: Collection[str] = (),
):
    """Screen, check and store one post; the thank-you page, or the form with its errors.

    ``bind_form(post)`` makes the bound form; ``store(cleaned_data, token)`` saves it.
    ``what`` names what the visitor filled in, for the message about an expired form.
    ``special_category`` names the fields a quarantined post never keeps.
    """
    thanks_url = page.url + page.reverse_subpage("thanks")
    screening = screen_post(request, form_name, special_category)
    if screening.verdict is Verdict.RATE_LIMITED:
        return too_many_requests(request)
    if screening.verdict is Verdict.QUARANTINED:
        # Bots see the same thank-you page as people, so they learn nothing.
        return HttpResponseRedirect(thanks_url)

    expired = screening.verdict is Verdict.EXPIRED
    post = request.POST.copy()
    if expired:
        post[TOKEN_FIELD] = issue_form_token()
    form = bind_form(post)
    valid = form.is_valid()
    if oversized(request.POST):
        refusal = TOO_LONG
    elif expired:
        refusal = (
            "This form was open for a long time, so for your security we did not send it. "
            f"Please check your {what} and send it again."
        )
    else:
        refusal = None
    if refusal:
        form.add_error(None, refusal)
    if refusal or not valid:
        return render_form(page, request, form, status=400)
    store(form.cleaned_data, screening.token)
    return HttpResponseRedirect(thanks_url)


def claim_token(token: str) -> bool:
    """Record a one-time token inside the caller's transaction. False if already used."""
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token)
    except IntegrityError:
        return False
    return True


def store_once(token: str, save):
    """Run ``save()`` in one transaction with the form's one-time token claimed.

    None, and nothing saved, when the token was used already: the same form posted twice.
    """
    try:
        with transaction.atomic():
            if not claim_token(token):
                return None
            return save()
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise
