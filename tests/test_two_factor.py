"""Two-step sign-in (staff_access/two_step.py) and the admin session's idle limit
(staff_access/idle_sessions.py), with the test client.

The codes are computed here as an authenticator app computes them (django-otp's TOTP).
"""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff_access.idle_sessions import SESSION_RENEWED_AT
from staff_access.two_step import PENDING_KEY_SESSION

from .factories import make_booking_request, make_staff_user, make_superuser

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase"
SET_UP = "/admin/two-step/set-up/"
VERIFY = "/admin/two-step/verify/"
REQUESTS = "/admin/booking_requests/"


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_2FA = True


def sign_in(client, username="robin"):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"


def code_now(key: str, steps_ahead: int = 0) -> str:
    """The app's code; a step ahead when this 30 s step's code was already used."""
    return f"{TOTP(bytes.fromhex(key), drift=steps_ahead).token():06d}"


def set_up(client) -> tuple[str, list[str]]:
    """Open the set-up page, type in the app's code; the app's key and the backup codes."""
    page = client.get(SET_UP)
    assert page.status_code == 200
    key = client.session[PENDING_KEY_SESSION]
    done = client.post(SET_UP, {"code": code_now(key)})
    assert done.status_code == 302 and done["Location"] == "/admin/two-step/backup-codes/"
    codes_page = BeautifulSoup(client.get(done["Location"]).content, "html.parser")
    codes = [code.get_text() for code in codes_page.select(".two-factor-backup-codes code")]
    return key, codes


def test_required_staff_without_an_app_are_sent_to_set_up_and_see_no_request(
    client, demo_site, required
):
    start = timezone.now() + datetime.timedelta(days=3)
    make_booking_request("Margaret Featherstonehaugh", start)
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)

    for url in (REQUESTS, "/admin/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SET_UP + "?next=")
    followed = client.get(REQUESTS, follow=True)
    assert followed.redirect_chain[-1][0].startswith(SET_UP)
    assert "Margaret" not in followed.content.decode()
    assert "Scan this QR code" in followed.content.decode()
    # What every admin page loads still loads: the icons and the translations.
    assert client.get("/admin/sprite/").status_code == 200
    assert client.get("/admin/jsi18n/").status_code == 200


def test_superusers_must_set_up_too_but_editors_outside_the_group_need_not(
    client, demo_site, required
):
    make_superuser("therapist", password=PASSWORD)
    sign_in(client, "therapist")
    assert client.get("/admin/")["Location"].startswith(SET_UP)

    client.logout()
    make_staff_user("editor", "Editors", password=PASSWORD)
    sign_in(client, "editor")
    assert client.get("/admin/").status_code == 200


def test_with_the_setting_off_a_password_is_enough(client, demo_site):
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)
    assert client.get(REQUESTS).status_code == 200


def test_set_up_then_sign_in_again_with_the_code_the_app_shows(client, demo_site, required):
    make_booking_request("Priya Raman", timezone.now() + datetime.timedelta(days=2))
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)
    key, codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Priya Raman" in client.get(REQUESTS).content.decode()  # verified by the set-up

    client.logout()
    sign_in(client)
    asked = client.get(REQUESTS)
    assert asked.status_code == 302 and asked["Location"].startswith(VERIFY + "?next=")
    wrong = client.post(VERIFY, {"code": "000000", "next": REQUESTS})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    # django-otp makes the next try after a wrong code wait a second.
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    right = client.post(VERIFY, {"code": code_now(key, steps_ahead=1), "next": REQUESTS})
    assert right.status_code == 302 and right["Location"] == REQUESTS
    assert "Priya Raman" in client.get(REQUESTS).content.decode()


def test_a_backup_code_works_once(client, demo_site):
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)
    _key, codes = set_up(client)  # by choice: the setting is off
    client.logout()

    sign_in(client)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    used = client.post(VERIFY, {"code": codes[0].upper(), "next": "/admin/"})
    assert used.status_code == 302 and used["Location"] == "/admin/"
    assert StaticToken.objects.count() == 9
    client.logout()

    sign_in(client)
    again = client.post(VERIFY, {"code": codes[0], "next": "/admin/"})
    assert again.status_code == 200
    assert "already used" in again.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_the_set_up_page_draws_its_qr_code_as_plain_inline_svg(client, demo_site, required):
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)
    page = BeautifulSoup(client.get(SET_UP).content, "html.parser")
    qr = page.select_one(".two-factor-qr svg")
    assert qr is not None and qr.find("path") is not None
    assert not page.select(".two-factor-qr [style]") and "data:" not in str(qr)
    secret = page.select_one("#two-factor-secret")
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", secret.get_text())
    assert secret["data-otpauth-url"].startswith("otpauth://totp/")


def test_an_admin_session_ends_after_eight_idle_hours(client, demo_site):
    make_staff_user("robin", password=PASSWORD)
    sign_in(client)
    eight_hours = datetime.timedelta(hours=8)
    assert Session.objects.get().expire_date - timezone.now() <= eight_hours

    # Seven hours and 59 minutes idle: the next request is still in, and starts the 8 hours again.
    session = client.session
    session[SESSION_RENEWED_AT] -= 8 * 60 * 60 - 60
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get("/admin/").status_code == 200
    renewed = Session.objects.get().expire_date - timezone.now()
    assert eight_hours - datetime.timedelta(minutes=1) < renewed <= eight_hours

    # Eight hours idle: signed out.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_busy_admin_page_does_not_write_the_session_on_every_request(client, demo_site):
    make_staff_user("robin", password="a-long-passphrase")
    sign_in(client)
    first = Session.objects.get().expire_date
    for _ in range(3):
        assert client.get("/admin/").status_code == 200
    assert Session.objects.get().expire_date == first
