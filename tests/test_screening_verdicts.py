"""Every verdict screening gives a post, and what the form must say with it, without HTTP.

One row per kind of post: the verdict, whether a person sent it (so the form shows it
again), the refusal the form must show instead of storing it, and what quarantine keeps.
"""

import pytest
from django.test import RequestFactory

from services.models import QuarantinedSubmission
from services.protection import TOKEN_MAX_AGE, SpamReason, issue_form_token, read_form_token
from services.screening import MAX_FIELD_LENGTH, MAX_POST_FIELDS, TOO_LONG, Verdict, screen

from .posts import contact_data, expired_token

EXPIRED = (
    "This form was open for a long time, so for your security we did not send it. "
    "Please check your message and send it again."
)
MANY_FIELDS = {f"extra_{number}": "x" for number in range(MAX_POST_FIELDS)}
LONG_MESSAGE = {"message": "x" * (MAX_FIELD_LENGTH + 1)}

# (post's changes, verdict, refusal, reason kept in quarantine)
VERDICTS = {
    "a person": ({}, Verdict.PASSED, None, None),
    "a person, far too many fields": (MANY_FIELDS, Verdict.PASSED, TOO_LONG, None),
    "a person, a far too long field": (LONG_MESSAGE, Verdict.PASSED, TOO_LONG, None),
    "a form open too long": (
        {"form_token": expired_token},
        Verdict.EXPIRED,
        EXPIRED,
        None,
    ),
    "a form open too long, far too long": (
        {"form_token": expired_token, **LONG_MESSAGE},
        Verdict.EXPIRED,
        TOO_LONG,
        None,
    ),
    "the honeypot filled": (
        {"website": "http://spam.example"},
        Verdict.QUARANTINED,
        None,
        SpamReason.HONEYPOT,
    ),
    "sent as soon as shown": (
        {"form_token": issue_form_token},
        Verdict.QUARANTINED,
        None,
        SpamReason.TOO_FAST,
    ),
    "a forged token": (
        {"form_token": "forged"},
        Verdict.QUARANTINED,
        None,
        SpamReason.NO_VALID_TOKEN,
    ),
    "no token": ({"form_token": None}, Verdict.QUARANTINED, None, SpamReason.NO_VALID_TOKEN),
}


def post_with(changes: dict) -> dict:
    values = {key: value() if callable(value) else value for key, value in changes.items()}
    return contact_data(**values)


def screened(post: dict, address: str = "192.0.2.10"):
    request = RequestFactory().post("/contact/", post, REMOTE_ADDR=address)
    return screen(request, "contact", what="message")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "verdict", "refusal", "reason"), VERDICTS.values(), ids=VERDICTS.keys()
)
def test_each_kind_of_post_gets_its_verdict_and_refusal(changes, verdict, refusal, reason):
    post = post_with(changes)
    screening = screened(post)
    assert screening.verdict is verdict
    assert screening.refusal == refusal
    assert screening.for_a_person == (verdict in (Verdict.PASSED, Verdict.EXPIRED))
    kept = list(QuarantinedSubmission.objects.values_list("reason", flat=True))
    assert kept == ([reason.value] if reason else [])


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [VERDICTS["a person"][0], VERDICTS["a form open too long"][0]])
def test_a_persons_post_comes_back_with_every_value(changes):
    post = post_with(changes)
    screening = screened(post)
    for field in ("name", "email", "message"):
        assert screening.post[field] == post[field]


@pytest.mark.django_db
def test_an_expired_form_comes_back_with_a_fresh_token():
    stale = post_with({"form_token": expired_token})
    screening = screened(stale)
    assert screening.token is None
    fresh = screening.post["form_token"]
    assert fresh != stale["form_token"]
    _, age = read_form_token(fresh)  # ours, and not expired
    assert age < TOKEN_MAX_AGE


@pytest.mark.django_db
def test_a_flood_from_one_address_is_rate_limited_before_anything_is_kept(settings):
    settings.FORM_RATE_LIMIT_POSTS = 1
    assert screened(contact_data(), address="192.0.2.12").verdict is Verdict.PASSED
    flood = screened(contact_data(website="http://spam.example"), address="192.0.2.12")
    assert flood.verdict is Verdict.RATE_LIMITED and not flood.for_a_person
    assert flood.refusal is None and not QuarantinedSubmission.objects.exists()
