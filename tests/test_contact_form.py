"""The contact page: Wagtail's form builder, on the booking form's store-first path."""

import email
from email import policy

import pytest
from wagtail.contrib.forms.models import FormSubmission

from bookings.models import Notification
from services.models import ContactPage, QuarantinedSubmission
from services.protection import issue_form_token

from .mail import run_worker
from .page_reading import control, description, elements_named, invalid_controls, visible_text
from .posts import contact_data
from .servers import free_port

pytestmark = pytest.mark.django_db


def send(client, capture, **overrides):
    with capture(execute=True):
        return client.post("/contact/", contact_data(**overrides))


def test_message_is_stored_then_emailed_by_the_worker_once(
    client, demo_site, smtp_server, django_capture_on_commit_callbacks
):
    contact = ContactPage.objects.get()
    contact.to_address = "inbox@practice.example"
    contact.thank_you_text = "<p>Thanks: we will reply within a day.</p>"
    contact.save_revision().publish()
    response = send(client, django_capture_on_commit_callbacks, message="Hello & <b>hi</b>")
    assert response.status_code == 302 and response["Location"] == "/contact/thanks/"
    submission = FormSubmission.objects.get()
    assert submission.form_data == {
        "name": "Tom Reader",
        "email": "tom@example.com",
        "message": "Hello & <b>hi</b>",
    }
    assert smtp_server.messages == []  # never sent inline
    run_worker()
    run_worker()
    assert len(smtp_server.messages) == 1
    message = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert message["To"] == "inbox@practice.example"
    assert message["Reply-To"] == "tom@example.com"
    assert message.get_content_type() == "text/plain"
    assert "Hello & <b>hi</b>" in message.get_content()
    assert "we will reply within a day" in client.get("/contact/thanks/").content.decode()


def test_smtp_failure_never_gives_the_visitor_an_error(
    client, demo_site, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()
    response = send(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    # The visitor was thanked before any SMTP attempt was made.
    assert Notification.objects.get().attempts == 0
    run_worker()
    notification = Notification.objects.get()
    assert notification.status == "pending" and notification.attempts == 1
    assert FormSubmission.objects.count() == 1


def test_smtp_failure_when_sending_after_the_commit_still_thanks_the_visitor(
    client, demo_site, settings, django_capture_on_commit_callbacks
):
    """The development set-up sends right after the commit; a refused connection is caught."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        free_port(),
        False,
    )
    settings.NOTIFICATIONS_SEND_AFTER_COMMIT = True  # as practice/settings/dev.py
    response = send(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    notification = Notification.objects.get()
    assert notification.status == "pending" and "Refused" in notification.last_error


def test_double_click_stores_one_message(client, demo_site):
    data = contact_data()
    client.post("/contact/", data)
    client.post("/contact/", data)
    assert FormSubmission.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Tom\r\nBcc: x@evil.test"}, "single line"),
        ({"email": "tom@example.com\nBcc: x@evil.test"}, "valid email"),
        ({"email": "not-an-email"}, "valid email"),
        ({"message": "hi\x00there"}, "Null characters"),
        ({"message": "x" * 5001}, "at most 5000 characters"),
        ({"name": "x" * 256}, "at most 255 characters"),
        ({"message": ""}, "This field is required"),
    ],
    ids=[
        "crlf in name",
        "crlf in email",
        "bad email",
        "nul byte",
        "long message",
        "long name",
        "empty",
    ],
)
def test_bad_contact_input_gets_a_clear_error_and_stores_nothing(
    client, demo_site, overrides, message
):
    response = client.post("/contact/", contact_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in visible_text(html)
    # The field in error is announced as invalid, with the message read after its name.
    assert any(message in description(html, field) for field in invalid_controls(html))
    assert not FormSubmission.objects.exists()
    assert not Notification.objects.exists()


def test_contact_honeypot_is_quarantined_not_emailed(client, demo_site):
    response = client.post("/contact/", contact_data(website="buy now"))
    assert response.status_code == 302
    assert not FormSubmission.objects.exists() and not Notification.objects.exists()
    assert QuarantinedSubmission.objects.get().form == "contact"


def test_contact_sent_too_fast_is_quarantined(client, demo_site):
    client.post("/contact/", contact_data(form_token=issue_form_token()))
    assert not FormSubmission.objects.exists()
    assert QuarantinedSubmission.objects.get().reason == "too fast"


def test_contact_rate_limit_gives_429(client, demo_site, settings):
    settings.FORM_RATE_LIMIT_POSTS = 2
    statuses = [client.post("/contact/", contact_data()).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert FormSubmission.objects.count() == 2


def test_contact_form_hides_honeypot_and_escapes_input(client, demo_site):
    html = client.post(
        "/contact/", contact_data(name="<script>x</script>", email="bad")
    ).content.decode()
    trap = control(html, "Leave this field empty").find_parent("div")
    assert trap.has_attr("hidden") and trap["aria-hidden"] == "true"
    assert "Leave this field empty" not in visible_text(html)
    # What was typed comes back as words in its field, never as a script of the page.
    assert "<script>x</script>" in [field.get("value") for field in elements_named(html, "input")]
    assert "x" not in [script.string for script in elements_named(html, "script")]


def test_contact_view_hides_every_posted_value_from_error_reports(rf, demo_site):
    request = rf.post("/contact/", contact_data())
    request.user = None
    response = ContactPage.objects.get().contact_form(request)
    assert response.status_code == 302
    assert request.sensitive_post_parameters == "__ALL__"
