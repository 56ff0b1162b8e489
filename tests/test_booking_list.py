"""The list of booking requests: every request opens, times read as dates, upcoming is a filter."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import BookingRequest
from bookings.wagtail_hooks import time_span

from .factories import make_booking_request
from .page_reading import hrefs, visible_text

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/booking_requests/"
UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def confirmed(name, start) -> BookingRequest:
    return make_booking_request(
        name, start, status=BookingRequest.Status.CONFIRMED, confirmed_window=1
    )


def listed(client, query="") -> str:
    response = client.get(LIST_URL + query)
    assert response.status_code == 200
    return response.content.decode()


def order_of(html, *names) -> list[str]:
    return sorted((name for name in names if name in html), key=html.index)


def test_each_row_opens_its_request(staff_client):
    ann, bea = make_booking_request("Ann Archer"), make_booking_request("Bea Baker")
    html = listed(staff_client)
    for booking in (ann, bea):
        url = f"/admin/booking_requests/inspect/{booking.pk}/"
        assert url in hrefs(html)
        page = staff_client.get(url)
        assert page.status_code == 200
        assert booking.name in page.content.decode()
        # The full request, with the way on to the decision (bookings/desk_admin.py).
        assert f"/admin/booking_requests/decide/{booking.pk}/confirm/" in page.content.decode()


def test_requests_that_left_new_stay_in_the_list_and_open(staff_client):
    bookings = [make_booking_request(f"Client {s.label}", status=s) for s in BookingRequest.Status]
    html = listed(staff_client)
    for booking in bookings:
        url = f"/admin/booking_requests/inspect/{booking.pk}/"
        assert booking.name in visible_text(html) and url in hrefs(html)
        assert staff_client.get(url).status_code == 200


def test_list_shows_the_newest_request_first(staff_client):
    for days_ago, name in [(3, "Older Olive"), (1, "Newest Nina"), (2, "Middle Mia")]:
        make_booking_request(name, created_at=timezone.now() - datetime.timedelta(days=days_ago))
    html = listed(staff_client)
    assert order_of(html, "Older Olive", "Newest Nina", "Middle Mia") == [
        "Newest Nina",
        "Middle Mia",
        "Older Olive",
    ]


def test_first_choice_reads_as_a_date_in_the_practice_time_zone(staff_client):
    make_booking_request("Summer Sam", utc(2030, 7, 9, 9, 0))  # 10:00 in London, summer time
    make_booking_request("Winter Will", utc(2030, 12, 10, 10, 0))  # 10:00 in London, winter time
    html = listed(staff_client)
    assert "Tue 9 Jul 2030, 10:00–12:00" in html
    assert "Tue 10 Dec 2030, 10:00–12:00" in html
    assert "first choice" in html


def test_confirmed_request_shows_its_appointment_not_the_choice(staff_client):
    second_start = utc(2030, 7, 11, 13, 0)  # 14:00 in London
    make_booking_request(
        "Chosen Chris",
        utc(2030, 7, 9, 9, 0),
        status=BookingRequest.Status.CONFIRMED,
        confirmed_window=2,
        window_2_start=second_start,
        window_2_end=second_start + datetime.timedelta(hours=3),
        appointment_start=second_start + datetime.timedelta(minutes=30),
    )
    html = listed(staff_client)
    assert "Thu 11 Jul 2030, 14:30–15:30" in html  # the 60-minute session, as booked
    assert "Tue 9 Jul 2030" not in html
    assert "first choice" not in html


def test_a_time_across_midnight_names_both_days():
    span = time_span(utc(2030, 12, 31, 23, 0), utc(2031, 1, 1, 1, 0))
    assert span == "Tue 31 Dec 2030, 23:00–Wed 1 Jan 2031, 01:00"


def test_filter_finds_upcoming_confirmed_appointments_soonest_first(staff_client):
    now = timezone.now()
    confirmed("Later Lou", now + datetime.timedelta(days=9))
    confirmed("Soon Sue", now + datetime.timedelta(days=2))
    confirmed("Past Pat", now - datetime.timedelta(days=3))
    make_booking_request("Asking Abe", now + datetime.timedelta(days=4))
    make_booking_request("Declined Dee", now + datetime.timedelta(days=5), status="declined")
    everyone = ["Later Lou", "Soon Sue", "Past Pat", "Asking Abe", "Declined Dee"]

    upcoming_confirmed = listed(staff_client, "?when=upcoming_confirmed")
    assert order_of(upcoming_confirmed, *everyone) == ["Soon Sue", "Later Lou"]
    upcoming = listed(staff_client, "?when=upcoming")
    assert order_of(upcoming, *everyone) == ["Soon Sue", "Asking Abe", "Declined Dee", "Later Lou"]
    assert order_of(listed(staff_client, "?when=past"), *everyone) == ["Past Pat"]


def test_list_sorts_by_appointment_time_when_asked(staff_client):
    now = timezone.now()
    make_booking_request("Third Theo", now + datetime.timedelta(days=9))
    make_booking_request("First Fay", now + datetime.timedelta(days=1))
    make_booking_request("Second Sid", now + datetime.timedelta(days=4))
    html = listed(staff_client, "?ordering=starts_at")
    assert order_of(html, "Third Theo", "First Fay", "Second Sid") == [
        "First Fay",
        "Second Sid",
        "Third Theo",
    ]


def test_dashboard_links_to_the_upcoming_confirmed_appointments(staff_client):
    assert f"{LIST_URL}?when=upcoming_confirmed" in staff_client.get("/admin/").content.decode()
