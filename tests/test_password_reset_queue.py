"""A password-reset email is queued like every other email: a mail server that is down
delays it, never loses it (services/password_reset.py).

A real SMTP server (aiosmtpd) on loopback, switched off and on (tests/load.py MailServer).
"""

import datetime
import re
from email import message_from_bytes

import pytest
from django.utils import timezone

from bookings.models import Notification

from .factories import make_staff_user
from .load import MailServer
from .mail import run_worker
from .page_reading import element

pytestmark = pytest.mark.django_db

RESET = "/admin/password_reset/"


@pytest.fixture
def mail_server(settings):
    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    yield server
    server.switch("down")


def make_due(row: Notification) -> None:
    """As the worker's backoff passing would."""
    Notification.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


@pytest.mark.parametrize("mail_state", ["down", "refusing"])
def test_a_reset_asked_for_while_the_mail_server_is_away_arrives_once_it_is_back(
    client, demo_site, mail_server, mail_state
):
    therapist = make_staff_user("robin", password="a-long-passphrase")
    therapist.email = "robin@example.com"
    therapist.save()
    mail_server.switch(mail_state)

    asked = client.post(RESET, {"email": "robin@example.com"})
    row = Notification.objects.get(kind=Notification.Kind.PASSWORD_RESET)
    run_worker()
    row.refresh_from_db()
    waiting = (row.status, row.attempts, bool(row.last_error), bool(row.body))

    mail_server.switch("up")
    make_due(row)
    run_worker()
    row.refresh_from_db()

    assert asked.status_code == 302
    assert waiting == (Notification.Status.PENDING, 1, True, True)
    assert row.status == Notification.Status.SENT
    assert row.body == ""  # the link is not kept once sent
    (received,) = mail_server.handler.messages
    assert received.rcpt_tos == ["robin@example.com"]
    message = message_from_bytes(received.content)
    assert "password" in message["Subject"].lower()
    link = re.search(r"https?://\S+/admin/password_reset/confirm/\S+/", message.get_payload())
    assert link, message.get_payload()
    # The link still works: it opens the form to choose a new password.
    path = re.sub(r"^https?://[^/]+", "", link.group(0))
    opened = client.get(path, follow=True)
    assert opened.status_code == 200
    assert element(opened.content, "input[name=new_password1]")["type"] == "password"


def test_a_reset_for_an_unknown_address_queues_nothing(client, demo_site, mail_server):
    mail_server.switch("up")

    asked = client.post(RESET, {"email": "nobody@example.com"})
    run_worker()

    assert asked.status_code == 302
    assert not Notification.objects.filter(kind=Notification.Kind.PASSWORD_RESET).exists()
    assert mail_server.handler.messages == []


def test_the_reset_link_names_the_public_address_whatever_host_the_request_named(
    client, demo_site, settings
):
    # As the settings derive them from DJANGO_PUBLIC_URL; Wagtail's email template links the admin's.
    settings.PUBLIC_URL = settings.WAGTAILADMIN_BASE_URL = "https://practice.example"
    therapist = make_staff_user("robin", password="a-long-passphrase")
    therapist.email = "robin@example.com"
    therapist.save()

    client.post(RESET, {"email": "robin@example.com"}, HTTP_HOST="testserver")

    row = Notification.objects.get(kind=Notification.Kind.PASSWORD_RESET)
    links = re.findall(r"https?://[^/\s]+/admin/password_reset/confirm/", row.body)
    assert links == ["https://practice.example/admin/password_reset/confirm/"]
