"""The therapist's view: who may see requests and messages, and what they see."""

import csv
import io

import pytest
from django.contrib.auth.models import Group

from services.models import BookingRequest, ContactPage
from tests.test_booking_helpers import (  # noqa: F401 - fixtures
    _fresh_rate_limit,
    booking_data,
    contact_data,
    session_option,
)

pytestmark = pytest.mark.django_db

NASTY = "<script>alert('x')</script>"


@pytest.fixture
def booking(client, demo_site):
    response = client.post(
        "/book/",
        booking_data(
            name=NASTY, notes='=HYPERLINK("http://evil.test") <img src=x>', notes_consent="on"
        ),
    )
    assert response.status_code == 302
    return BookingRequest.objects.get()


@pytest.fixture
def contact_message(client, demo_site):
    assert client.post("/contact/", contact_data(name=NASTY)).status_code == 302


def login(client, django_user_model, *groups):
    user = django_user_model.objects.create_user("person", password="pw")
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    client.force_login(user)
    return user


def test_editor_without_the_practice_staff_group_cannot_see_requests(
    client, django_user_model, booking
):
    login(client, django_user_model, "Editors")
    for url in (
        "/admin/booking_requests/",
        f"/admin/booking_requests/inspect/{booking.pk}/",
        f"/admin/booking_requests/edit/{booking.pk}/",
        "/admin/booking_requests/?export=csv",
        "/admin/quarantined_submissions/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "Jane" not in response.content.decode()
    dashboard = client.get("/admin/").content.decode()
    assert "New booking requests" not in dashboard
    assert "Booking requests" not in dashboard  # not in the menu either


def test_editor_without_the_group_cannot_see_contact_messages(
    client, django_user_model, contact_message
):
    login(client, django_user_model, "Editors")
    contact = ContactPage.objects.get()
    # Editors can edit the contact page itself...
    assert client.get(f"/admin/pages/{contact.pk}/edit/").status_code == 200
    # ...but not read what visitors sent through it.
    forms_list = client.get("/admin/forms/")
    assert f"/admin/forms/submissions/{contact.pk}/" not in forms_list.content.decode()
    response = client.get(f"/admin/forms/submissions/{contact.pk}/")
    assert response.status_code in (302, 403)


def test_practice_staff_see_requests_messages_and_the_dashboard_panel(
    client, django_user_model, booking, contact_message
):
    login(client, django_user_model, "Practice staff")
    assert client.get("/admin/booking_requests/").status_code == 200
    inspect = client.get(f"/admin/booking_requests/inspect/{booking.pk}/")
    assert inspect.status_code == 200
    assert "HYPERLINK" in inspect.content.decode()  # the therapist reads the notes here
    dashboard = client.get("/admin/").content.decode()
    assert "New booking requests (1)" in dashboard
    contact = ContactPage.objects.get()
    assert f"/admin/forms/submissions/{contact.pk}/" in dashboard  # linked from the panel
    submissions = client.get(f"/admin/forms/submissions/{contact.pk}/")
    assert submissions.status_code == 200
    assert "tom@example.com" in submissions.content.decode()


def test_superuser_sees_requests(client, admin_user, booking):
    client.force_login(admin_user)
    assert client.get(f"/admin/booking_requests/inspect/{booking.pk}/").status_code == 200


def test_nobody_can_create_a_request_in_the_admin(client, admin_user, booking):
    client.force_login(admin_user)
    assert client.get("/admin/booking_requests/new/").status_code in (302, 403)


def test_visitor_input_is_escaped_everywhere_in_the_admin(
    client, django_user_model, booking, contact_message
):
    login(client, django_user_model, "Practice staff")
    contact = ContactPage.objects.get()
    for url in (
        "/admin/booking_requests/",
        f"/admin/booking_requests/inspect/{booking.pk}/",
        f"/admin/booking_requests/edit/{booking.pk}/",
        "/admin/",
        f"/admin/forms/submissions/{contact.pk}/",
    ):
        html = client.get(url).content.decode()
        assert NASTY not in html, url
        assert "<img src=x>" not in html, url
    assert "&lt;script&gt;" in client.get("/admin/booking_requests/").content.decode()


def test_filters_and_search_find_requests(client, django_user_model, booking, demo_site):
    login(client, django_user_model, "Practice staff")
    deep_tissue = session_option("deep-tissue-massage")
    other = client.post(
        "/book/",
        booking_data(name="Ann Other", service="deep-tissue-massage", session=str(deep_tissue.pk)),
    )
    assert other.status_code == 302
    ann = BookingRequest.objects.get(name="Ann Other")
    BookingRequest.objects.filter(pk=ann.pk).update(status="confirmed")

    def names(query):
        html = client.get(f"/admin/booking_requests/{query}").content.decode()
        return {"Ann Other" in html, "&lt;script&gt;" in html}

    assert names("?status=confirmed") == {True, False}
    assert names(f"?service={ann.service_id}") == {True, False}
    assert names("?q=Ann") == {True, False}
    today = booking.created_at.date().isoformat()
    assert names(f"?created_at_after={today}&created_at_before={today}") == {True}


def test_csv_export_neutralises_spreadsheet_formulas(client, django_user_model, demo_site):
    login(client, django_user_model, "Practice staff")
    client.post("/book/", booking_data(name="=cmd|' /C calc'!A0", email="x@example.com"))
    client.post("/book/", booking_data(name="@SUM(A1:A9)", email="y@example.com"))
    client.post("/book/", booking_data(name="+44 Jones"))
    assert BookingRequest.objects.count() == 3
    response = client.get("/admin/booking_requests/?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    names = sorted(row["Name"] for row in rows)
    assert names == ["'+44 Jones", "'=cmd|' /C calc'!A0", "'@SUM(A1:A9)"]
    assert "notes" not in content.lower()  # health notes never leave in a spreadsheet
