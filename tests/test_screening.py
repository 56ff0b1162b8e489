"""Screening a post: each outcome is a type, and each leads where it should."""

import importlib
import json
import time

import pytest
from django.apps import apps
from django.test import RequestFactory

from bookings.models import BookingRequest
from services import screening
from services.models import QuarantinedSubmission
from services.protection import (
    ExpiredToken,
    ForgedToken,
    FormTokenError,
    MissingToken,
    SpamReason,
    issue_form_token,
    read_form_token,
)
from services.screening import Verdict

from .posts import booking_data, expired_token

remove_health_notes = importlib.import_module(
    "services.migrations.0012_quarantine_keeps_no_health_notes"
)


@pytest.mark.parametrize(
    ("make_value", "error"),
    [
        (lambda: "", MissingToken),
        (lambda: "x" * 501, MissingToken),
        (lambda: "not-signed", ForgedToken),
        (lambda: issue_form_token() + "x", ForgedToken),
    ],
)
def test_a_token_not_from_our_form_is_refused_by_its_kind(make_value, error):
    with pytest.raises(error) as raised:
        read_form_token(make_value())
    assert isinstance(raised.value, FormTokenError)


def test_a_token_from_a_form_left_open_too_long_is_expired_not_forged():
    with pytest.raises(ExpiredToken):
        read_form_token(expired_token())


def test_a_fresh_token_gives_its_one_time_value_and_age():
    value, age = read_form_token(issue_form_token(issued_at=time.time() - 10))
    assert len(value) == 32 and 9 < age < 60


def screen(post: dict, address: str = "192.0.2.1"):
    request = RequestFactory().post("/book/", post, REMOTE_ADDR=address)
    return screening.screen(request, "booking")


@pytest.mark.django_db
def test_screening_passes_a_person_with_the_token_value():
    post = booking_data()
    screening = screen(post)
    assert screening.verdict is Verdict.PASSED
    assert screening.token == read_form_token(post["form_token"])[0]
    assert not QuarantinedSubmission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (lambda: {"website": "http://spam.example"}, SpamReason.HONEYPOT),
        (lambda: {"form_token": issue_form_token()}, SpamReason.TOO_FAST),
        (lambda: {"form_token": "forged"}, SpamReason.NO_VALID_TOKEN),
        (lambda: {"form_token": None}, SpamReason.NO_VALID_TOKEN),
    ],
)
def test_screening_quarantines_what_looks_automated_with_its_reason(overrides, reason):
    screening = screen(booking_data(**overrides()))
    assert screening.verdict is Verdict.QUARANTINED and screening.token is None
    assert QuarantinedSubmission.objects.get().reason == reason.value


@pytest.mark.django_db
def test_screening_tells_an_expired_form_apart_and_keeps_nothing():
    screening = screen(booking_data(form_token=expired_token()))
    assert screening.verdict is Verdict.EXPIRED and screening.token is None
    assert not QuarantinedSubmission.objects.exists()


@pytest.mark.django_db
def test_screening_stops_a_flood_from_one_address(settings):
    settings.FORM_RATE_LIMIT_POSTS = 2
    verdicts = [screen(booking_data()).verdict for _ in range(3)]
    assert verdicts == [Verdict.PASSED, Verdict.PASSED, Verdict.RATE_LIMITED]
    assert screen(booking_data(), address="192.0.2.2").verdict is Verdict.PASSED


def test_an_expired_booking_form_comes_back_with_its_values_and_a_new_token(client, demo_site):
    stale = expired_token()
    response = client.post("/book/", booking_data(form_token=stale, name="Jane Late"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This form was open for a long time" in html
    assert "Please check your details and send it again." in html
    assert 'value="Jane Late"' in html
    fresh = response.context["form"]["form_token"].value()
    assert fresh != stale and read_form_token(fresh)
    assert not BookingRequest.objects.exists()
    assert not QuarantinedSubmission.objects.exists()


HEALTH_NOTES = "Sciatica in the left leg since March"
QUARANTINING_POSTS = {
    "honeypot": lambda: {"website": "http://spam.example"},
    "too fast": lambda: {"form_token": issue_form_token()},
    "forged token": lambda: {"form_token": "forged"},
    "no token": lambda: {"form_token": None},
}
CONSENT = {"consent given": {"notes_consent": "on"}, "consent absent": {}}


@pytest.mark.parametrize("consent", CONSENT.values(), ids=CONSENT.keys())
@pytest.mark.parametrize("flagged", QUARANTINING_POSTS.values(), ids=QUARANTINING_POSTS.keys())
def test_a_quarantined_booking_never_keeps_its_health_notes(client, demo_site, flagged, consent):
    post = booking_data(notes=HEALTH_NOTES, **flagged(), **consent)
    response = client.post("/book/", post)
    assert response.status_code == 302
    row = QuarantinedSubmission.objects.get()
    assert "notes" not in row.data
    assert HEALTH_NOTES not in json.dumps(row.data) + row.email
    assert row.data["name"] == post["name"]  # the rest is still kept to tell a bot apart
    assert not BookingRequest.objects.exists()


@pytest.mark.django_db
def test_the_migration_removes_health_notes_kept_in_quarantine_before():
    kept = QuarantinedSubmission.objects.create(
        form="booking", reason="too fast", data={"name": "Jane", "notes": HEALTH_NOTES}
    )
    contact = QuarantinedSubmission.objects.create(
        form="contact", reason="honeypot", data={"name": "Tom", "message": "Hello"}
    )
    remove_health_notes.remove_health_notes(apps, None)
    kept.refresh_from_db()
    contact.refresh_from_db()
    assert kept.data == {"name": "Jane"}
    assert contact.data == {"name": "Tom", "message": "Hello"}
