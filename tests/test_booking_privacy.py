"""Retention, export and erasure of what visitors send."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

from bookings.models import BookingRequest, Notification
from services.models import QuarantinedSubmission

from .posts import booking_data, contact_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(client, demo_site):
    """Two requests and a message from Jane, one request from someone else, and some spam."""
    notes = {"notes": "Sciatica, left leg", "notes_consent": "on"}
    assert client.post("/book/", booking_data(**notes)).status_code == 302
    assert client.post("/book/", booking_data(email="JANE@example.com")).status_code == 302
    assert (
        client.post("/book/", booking_data(name="Ann", email="ann@example.com")).status_code == 302
    )
    assert client.post("/contact/", contact_data(email="jane@example.com")).status_code == 302
    client.post("/contact/", contact_data(email="jane@example.com", website="spam"))
    return BookingRequest.objects.order_by("pk")


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_purge_deletes_only_what_is_older_than_the_retention_period(stored, settings):
    settings.BOOKING_RETENTION_DAYS = 365
    old, recent, _ann = stored
    BookingRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=366)
    )
    FormSubmission.objects.update(submit_time=timezone.now() - datetime.timedelta(days=400))
    output = run("purge_booking_requests")
    assert "Deleted 1 booking requests" in output
    assert set(BookingRequest.objects.values_list("pk", flat=True)) == {recent.pk, _ann.pk}
    assert not Notification.objects.filter(booking_id=old.pk).exists()
    assert not FormSubmission.objects.exists()


def test_purge_uses_the_retention_setting(stored, settings):
    settings.BOOKING_RETENTION_DAYS = 10
    BookingRequest.objects.update(created_at=timezone.now() - datetime.timedelta(days=11))
    run("purge_booking_requests")
    assert not BookingRequest.objects.exists()


def test_purge_dry_run_deletes_nothing(stored):
    BookingRequest.objects.update(created_at=timezone.now() - datetime.timedelta(days=999))
    assert "Would delete 3 booking requests" in run("purge_booking_requests", "--dry-run")
    assert BookingRequest.objects.count() == 3


def test_export_gives_everything_about_one_address_and_nothing_else(stored):
    data = json.loads(run("personal_data", "--export", "jane@example.com"))
    assert len(data["booking_requests"]) == 2  # the address matched in any letter case
    assert {b["name"] for b in data["booking_requests"]} == {"Jane Doe"}
    assert any(b["notes"] == "Sciatica, left leg" for b in data["booking_requests"])
    assert len(data["contact_messages"]) == 1
    assert len(data["quarantined_submissions"]) == 1
    assert "ann@example.com" not in json.dumps(data)


def test_erase_removes_everything_about_one_address(stored):
    output = run("personal_data", "--erase", "Jane@Example.com")
    assert "2 booking requests" in output and "1 contact messages" in output
    assert list(BookingRequest.objects.values_list("email", flat=True)) == ["ann@example.com"]
    assert not FormSubmission.objects.exists()
    assert not QuarantinedSubmission.objects.exists()
    assert (
        Notification.objects.filter(booking__isnull=True, form_submission__isnull=True).count() == 0
    )
    after = json.loads(run("personal_data", "--export", "jane@example.com"))
    assert after["booking_requests"] == after["contact_messages"] == []


def test_personal_data_refuses_something_that_is_not_an_email(stored):
    with pytest.raises(CommandError):
        call_command("personal_data", "--erase", "not an address")
    assert BookingRequest.objects.count() == 3
