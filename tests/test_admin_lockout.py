"""Guessing passwords: the admin's sign-in and password reset refuse a pair after 5 tries.

django-axes counts per (username, address); staff_access/lockout.py adds the page, the
password-reset counting and sign-ins from code. The cool-off is ended by moving the recorded
attempts back in time, as 15 minutes passing would.
"""

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from .factories import make_staff_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase"
LOGIN = "/admin/login/"
RESET = "/admin/password_reset/"


@pytest.fixture
def therapist(demo_site):
    user = make_staff_user("robin", password=PASSWORD)
    user.email = "robin@example.com"
    user.save()
    return user


def sign_in(client, password, username="robin", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def is_signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def let_the_cool_off_pass():
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )


def test_twenty_wrong_passwords_then_the_right_one_is_refused_until_the_cool_off_ends(
    client, therapist
):
    statuses = [sign_in(client, f"guess-{n}").status_code for n in range(20)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}

    refused = sign_in(client, PASSWORD)
    assert refused.status_code == 429
    assert not is_signed_in(client)
    page = refused.content.decode()
    assert "Too many attempts" in page
    # Attempts while refused are not counted: the wait runs from the fifth failure.
    fifth = AccessAttempt.objects.get(username="robin")
    assert fifth.failures_since_start == 5
    try_again_at = timezone.localtime(fifth.attempt_time + settings.AXES_COOLOFF_TIME)
    assert try_again_at.strftime("%H:%M") in page
    assert "the person who looks after this website" in page
    assert 0 < int(refused["Retry-After"]) <= 15 * 60

    let_the_cool_off_pass()
    admitted = sign_in(client, PASSWORD)
    assert admitted.status_code == 302 and admitted["Location"] == "/admin/"
    assert is_signed_in(client)


def test_a_few_mistakes_then_success_start_the_count_again(client, therapist):
    for n in range(4):
        sign_in(client, f"typo-{n}")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for n in range(4):
        assert sign_in(client, f"typo-again-{n}").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_documented_command_unlocks_a_therapist_at_once(client, therapist):
    for n in range(5):
        sign_in(client, f"guess-{n}")
    assert sign_in(client, PASSWORD).status_code == 429

    call_command("axes_reset_username", "robin")

    assert sign_in(client, PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_lockout_is_logged_with_the_name_and_address_but_never_the_password(
    client, therapist, caplog
):
    caplog.set_level(logging.DEBUG)
    guess = "Secret-Guess-42!"
    for _ in range(6):
        sign_in(client, guess, REMOTE_ADDR="198.51.100.23")
    sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.23")

    lockouts = [r for r in caplog.records if "Locking out" in r.getMessage()]
    assert len(lockouts) == 1 and lockouts[0].levelno == logging.WARNING
    assert "robin" in lockouts[0].getMessage()
    assert "198.51.100.23" in lockouts[0].getMessage()
    assert guess not in caplog.text and PASSWORD not in caplog.text
    stored = AccessAttempt.objects.get()
    assert guess not in stored.post_data and PASSWORD not in stored.post_data


def test_someone_guessing_elsewhere_does_not_lock_the_therapist_out(client, therapist):
    for n in range(10):
        sign_in(client, f"guess-{n}", REMOTE_ADDR="198.51.100.7")
    assert sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert sign_in(client, PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 302


def test_behind_a_proxy_the_client_ip_header_names_the_address(client, therapist, settings):
    settings.FORM_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(5):
        sign_in(client, f"guess-{n}", HTTP_X_REAL_IP="203.0.113.5", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert sign_in(client, PASSWORD, HTTP_X_REAL_IP="203.0.113.5", **proxy).status_code == 429

    # Another visitor behind the same proxy is another address, counted apart.
    assert sign_in(client, PASSWORD, HTTP_X_REAL_IP="203.0.113.9", **proxy).status_code == 302


def test_password_reset_requests_are_limited_per_email_and_address(client, therapist):
    statuses = [client.post(RESET, {"email": "Robin@example.com"}).status_code for _ in range(7)]
    assert statuses[:4] == [302] * 4  # on to "check your email"
    assert set(statuses[4:]) == {429}
    assert len(mail.outbox) <= 5
    page = client.post(RESET, {"email": "robin@example.com"})
    assert page.status_code == 429 and "Too many attempts" in page.content.decode()

    # Another address is counted apart; the same command unlocks.
    assert (
        client.post(RESET, {"email": "robin@example.com"}, REMOTE_ADDR="192.0.2.44").status_code
        == 302
    )
    call_command("axes_reset_username", "robin@example.com")
    assert client.post(RESET, {"email": "robin@example.com"}).status_code == 302


def test_signing_in_from_code_without_a_request_is_not_throttled(therapist):
    for _ in range(6):
        assert authenticate(username="robin", password="wrong") is None
    assert authenticate(username="robin", password=PASSWORD) == therapist
