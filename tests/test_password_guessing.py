"""Every place that asks for a password, or a code in its stead, refuses an address after
5 wrong tries within 15 minutes (429, Retry-After, the lockout page in the design of the
place asking), even with the right one, and what the refused post would have done is not done.

The sign-in pages go through ``authenticate``, which axes counts; the others are counted by
``staff_access.lockout.PasswordGuessingMiddleware`` (its ``PASSWORD_FORMS``). The password-reset
emails go to a real SMTP server on loopback. On PostgreSQL with DATABASE_URL set.
"""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from staff_access.lockout import PASSWORD_FORMS

from .factories import make_guide, make_staff_user, make_superuser
from .mail import run_worker
from .page_reading import landmark

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase"
SECTION_PASSWORD = "blue-heron-42"
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.44"}


def assert_refused(response, design: str) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    page = response.content.decode()
    assert "Too many attempts" in page
    # The public site's header, or the admin's own page.
    assert (landmark(page, "banner") is not None) == (design == "site")


def let_the_cool_off_pass():
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )


# -- signing in ------------------------------------------------------------------------

SIGN_INS = [
    ("/admin/login/", "admin"),
    ("/django-admin/login/", "admin"),
    ("/_util/login/", "site"),
]


@pytest.mark.parametrize(("url", "design"), SIGN_INS)
def test_every_sign_in_page_refuses_the_fifth_wrong_password_and_then_the_right_one(
    client, demo_site, url, design
):
    make_superuser("robin", PASSWORD)
    statuses = [
        client.post(url, {"username": "robin", "password": f"guess-{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert_refused(client.post(url, {"username": "robin", "password": PASSWORD}), design)
    assert "_auth_user_id" not in client.session
    # Another address is counted apart.
    assert client.post(url, {"username": "robin", "password": PASSWORD}, **ELSEWHERE).status_code
    assert client.session.get("_auth_user_id")


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [("", "/"), ("/blog/", "/blog/"), ("https://elsewhere.example/", "/")],
)
def test_signing_in_for_a_private_page_lands_on_that_page_else_home(
    client, demo_site, next_url, landing
):
    make_staff_user("robin", password=PASSWORD)
    data = {"username": "robin", "password": PASSWORD, "next": next_url}
    response = client.post("/_util/login/", data)
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_page_for_signed_in_visitors_sends_them_back_to_it_after_signing_in(client, demo_site):
    guide = make_guide(title="For members")
    PageViewRestriction.objects.create(page=guide, restriction_type=PageViewRestriction.LOGIN)
    make_staff_user("robin", password=PASSWORD)
    asked = client.get(guide.url)
    assert asked.status_code == 302 and asked["Location"].startswith("/_util/login/?next=")
    login_page = client.get(asked["Location"])
    assert login_page.status_code == 200
    signed_in = client.post(
        asked["Location"], {"username": "robin", "password": PASSWORD, "next": guide.url}
    )
    assert signed_in["Location"] == guide.url
    assert "For members" in client.get(guide.url).content.decode()


# -- private pages and documents --------------------------------------------------------


def private_guide():
    guide = make_guide(title="Members' stretches")
    restriction = PageViewRestriction.objects.create(
        page=guide, restriction_type=PageViewRestriction.PASSWORD, password=SECTION_PASSWORD
    )
    url = f"/_util/authenticate_with_password/{restriction.pk}/{guide.pk}/"
    return url, guide.url


def private_document():
    collection = Collection.get_first_root_node().add_child(name="Members")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password=SECTION_PASSWORD,
    )
    document = Document.objects.create(title="Exercises", collection=collection)
    url = f"/documents/authenticate_with_password/{restriction.pk}/"
    return url, f"/documents/{document.pk}/exercises.pdf"


@pytest.mark.parametrize("make_private", [private_guide, private_document])
def test_a_section_password_is_refused_after_five_wrong_guesses_even_when_right(
    client, demo_site, make_private
):
    url, return_url = make_private()
    guesses = [
        client.post(url, {"password": f"guess-{n}", "return_url": return_url}).status_code
        for n in range(5)
    ]
    assert guesses == [200, 200, 200, 200, 429]
    right = {"password": SECTION_PASSWORD, "return_url": return_url}
    assert_refused(client.post(url, right), "site")
    assert not any(key.startswith("wagtail") for key in client.session.keys())

    # Another address is counted apart; once the cool-off has passed, the right one opens it.
    assert client.post(url, right, **ELSEWHERE).status_code == 302
    let_the_cool_off_pass()
    opened = client.post(url, right)
    assert opened.status_code == 302 and opened["Location"] == return_url


def test_a_right_section_password_starts_the_count_again(client, demo_site):
    url, return_url = private_guide()
    for n in range(4):
        client.post(url, {"password": f"typo-{n}", "return_url": return_url})
    right = {"password": SECTION_PASSWORD, "return_url": return_url}
    assert client.post(url, right).status_code == 302
    for n in range(4):
        assert client.post(url, {"password": f"typo-{n}", "return_url": return_url}).status_code
    assert client.post(url, right).status_code == 302


# -- signed-in forms: the two-step code, changing the password --------------------------


def signed_in_with_password_only(client):
    user = make_superuser("robin", PASSWORD)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert client.post("/admin/login/", {"username": "robin", "password": PASSWORD}).status_code
    return user


def test_the_two_step_code_is_refused_after_five_wrong_codes(client, demo_site):
    signed_in_with_password_only(client)
    url = "/admin/two-step/verify/"
    statuses = [client.post(url, {"code": f"00000{n}"}).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert_refused(client.post(url, {"code": "123456"}), "admin")


@pytest.mark.parametrize(
    ("url", "old", "new1", "new2"),
    [
        ("/admin/account/", "password-old_password", "password-new_password1", "password-new_password2"),
        ("/django-admin/password_change/", "old_password", "new_password1", "new_password2"),
    ],
)  # fmt: skip
def test_changing_the_password_is_refused_after_five_wrong_current_passwords(
    client, demo_site, url, old, new1, new2
):
    user = make_superuser("robin", PASSWORD)
    client.force_login(user)
    new = "another-long-passphrase"
    statuses = [
        client.post(url, {old: f"guess-{n}", new1: new, new2: new}).status_code for n in range(5)
    ]
    assert statuses[:4] == [200] * 4 and statuses[4] == 429
    refused = client.post(url, {old: PASSWORD, new1: new, new2: new})
    assert_refused(refused, "admin")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_every_password_form_of_the_table_is_a_url_of_the_site():
    from django.urls import reverse

    for view_name in PASSWORD_FORMS:
        args = {
            "wagtailcore_authenticate_with_password": [1, 1],
            "wagtaildocs_authenticate_with_password": [1],
        }.get(view_name, [])
        assert reverse(view_name, args=args)


# -- the password-reset form: decided before any email ------------------------------------


def test_a_limited_password_reset_request_sends_no_email(client, demo_site, smtp_server):
    user = make_staff_user("robin", password=PASSWORD)
    user.email = "robin@example.com"
    user.save()
    statuses = [
        client.post("/admin/password_reset/", {"email": "robin@example.com"}).status_code
        for _ in range(7)
    ]
    run_worker()  # whatever the reset queued is sent now
    assert statuses == [302, 302, 302, 302, 429, 429, 429]
    assert len(smtp_server.messages) == 4
    assert all(message.rcpt_tos == ["robin@example.com"] for message in smtp_server.messages)

    # The limited address still gets none, however the address is spelled.
    refused = client.post("/admin/password_reset/", {"email": " Robin@Example.com "})
    run_worker()
    assert_refused(refused, "admin")
    assert len(smtp_server.messages) == 4
