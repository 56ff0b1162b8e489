"""The therapist's view: who may see requests and messages, and what they see."""

import csv
import io

import pytest
from django.utils import timezone

from services.models import ContactPage

from .factories import make_booking_request, make_contact_message, make_service, make_staff_user

pytestmark = pytest.mark.django_db

NASTY = "<script>alert('x')</script>"


@pytest.fixture
def booking(demo_site):
    return make_booking_request(
        NASTY,
        email="jane@example.com",
        notes='=HYPERLINK("http://evil.test") <img src=x>',
        notes_consent_at=timezone.now(),
    )


@pytest.fixture
def contact_message(demo_site):
    return make_contact_message(name=NASTY, email="tom@example.com")


def login(client, *groups):
    client.force_login(make_staff_user("person", *groups))


def test_editor_without_the_practice_staff_group_cannot_see_requests(client, booking):
    login(client, "Editors")
    for url in (
        "/admin/booking_requests/",
        f"/admin/booking_requests/inspect/{booking.pk}/",
        f"/admin/booking_requests/edit/{booking.pk}/",
        "/admin/booking_requests/?export=csv",
        "/admin/quarantined_submissions/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert booking.email not in response.content.decode()
    dashboard = client.get("/admin/").content.decode()
    assert "New booking requests" not in dashboard
    assert "Booking requests" not in dashboard  # not in the menu either


def test_editor_without_the_group_cannot_see_contact_messages(client, contact_message):
    login(client, "Editors")
    contact = ContactPage.objects.get()
    # Editors can edit the contact page itself...
    assert client.get(f"/admin/pages/{contact.pk}/edit/").status_code == 200
    # ...but not read what visitors sent through it.
    forms_list = client.get("/admin/forms/")
    assert f"/admin/forms/submissions/{contact.pk}/" not in forms_list.content.decode()
    response = client.get(f"/admin/forms/submissions/{contact.pk}/")
    assert response.status_code in (302, 403)


def test_practice_staff_see_requests_messages_and_the_dashboard_panel(
    staff_client, booking, contact_message
):
    assert staff_client.get("/admin/booking_requests/").status_code == 200
    inspect = staff_client.get(f"/admin/booking_requests/inspect/{booking.pk}/")
    assert inspect.status_code == 200
    assert "HYPERLINK" in inspect.content.decode()  # the therapist reads the notes here
    dashboard = staff_client.get("/admin/").content.decode()
    assert "New booking requests (1)" in dashboard
    contact = ContactPage.objects.get()
    assert f"/admin/forms/submissions/{contact.pk}/" in dashboard  # linked from the panel
    submissions = staff_client.get(f"/admin/forms/submissions/{contact.pk}/")
    assert submissions.status_code == 200
    assert "tom@example.com" in submissions.content.decode()


def test_superuser_sees_requests(client, admin_user, booking):
    client.force_login(admin_user)
    assert client.get(f"/admin/booking_requests/inspect/{booking.pk}/").status_code == 200


def test_nobody_can_create_a_request_in_the_admin(client, admin_user, booking):
    client.force_login(admin_user)
    assert client.get("/admin/booking_requests/new/").status_code in (302, 403)


def test_visitor_input_is_escaped_everywhere_in_the_admin(staff_client, booking, contact_message):
    contact = ContactPage.objects.get()
    for url in (
        "/admin/booking_requests/",
        f"/admin/booking_requests/inspect/{booking.pk}/",
        f"/admin/booking_requests/edit/{booking.pk}/",
        "/admin/",
        f"/admin/forms/submissions/{contact.pk}/",
    ):
        html = staff_client.get(url).content.decode()
        assert NASTY not in html, url
        assert "<img src=x>" not in html, url
    assert "&lt;script&gt;" in staff_client.get("/admin/booking_requests/").content.decode()


def test_filters_and_search_find_requests(staff_client, booking):
    service = make_service(title="Hot Stone Massage")
    ann = make_booking_request("Ann Other", service=service, status="confirmed")

    def shown(query) -> tuple[bool, bool]:
        """Whether Ann's request and the other one are listed."""
        html = staff_client.get(f"/admin/booking_requests/{query}").content.decode()
        return "Ann Other" in html, "&lt;script&gt;" in html

    assert shown("") == (True, True)
    assert shown("?status=confirmed") == (True, False)
    assert shown("?status=new") == (False, True)
    assert shown(f"?service={ann.service_id}") == (True, False)
    assert shown("?q=Ann") == (True, False)
    today = booking.created_at.date().isoformat()
    assert shown(f"?created_at_after={today}&created_at_before={today}") == (True, True)


def test_csv_export_neutralises_spreadsheet_formulas(staff_client):
    make_booking_request("=cmd|' /C calc'!A0", email="x@example.com")
    make_booking_request("@SUM(A1:A9)", email="y@example.com")
    make_booking_request("+44 Jones", notes="Stiff neck", notes_consent_at=timezone.now())
    response = staff_client.get("/admin/booking_requests/?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    names = sorted(row["Name"] for row in rows)
    assert names == ["'+44 Jones", "'=cmd|' /C calc'!A0", "'@SUM(A1:A9)"]
    # Health notes never leave in a spreadsheet.
    assert "notes" not in content.lower() and "Stiff neck" not in content
