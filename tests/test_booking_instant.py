"""A treatment booked instantly, and the rows that keep any time from being booked twice:
the visitor's post, the desk's confirm and cancel, without HTTP where they can be."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import desk
from bookings.models import BookingRequest, Notification, OccupiedSlot
from bookings.occupancy import UNIT, unit_starts
from services.forms import nearest
from services.models import ServicePage

from .desk_support import at, weekday_booking
from .factories import make_superuser
from .open_days import next_weekday
from .posts import booking_data, picked_times

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def instant_treatment() -> ServicePage:
    service = ServicePage.objects.live().order_by("path").first()
    service.booking_mode = ServicePage.BookingMode.INSTANT
    service.save_revision().publish()
    return ServicePage.objects.get(pk=service.pk)


# -- the units, pure ----------------------------------------------------------------------


def test_an_hour_holds_twelve_five_minute_units_from_its_start():
    start = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    units = unit_starts(start, start + datetime.timedelta(hours=1))
    assert len(units) == 12 and units[0] == start and units[-1] == start + 11 * UNIT


def test_a_start_between_units_holds_the_unit_it_falls_in():
    start = datetime.datetime(2027, 3, 1, 10, 7, tzinfo=UTC)
    units = unit_starts(start, start + datetime.timedelta(minutes=10))
    assert units == [datetime.datetime(2027, 3, 1, 10, m, tzinfo=UTC) for m in (5, 10, 15)]


def test_the_nearest_free_times_are_the_closest_in_time_order():
    base = datetime.datetime(2027, 3, 1, 9, tzinfo=UTC)
    moments = [base + datetime.timedelta(hours=h) for h in range(8)]
    wanted = base + datetime.timedelta(hours=3, minutes=10)
    assert nearest(moments, wanted) == moments[2:5]


# -- the visitor ----------------------------------------------------------------------------


def test_an_instant_treatment_is_confirmed_at_once_with_its_confirmation_queued(client, demo_site):
    service = instant_treatment()
    data = booking_data(service)
    assert len(data["times"]) == 1
    response = client.post("/book/", data)
    assert response.status_code == 302 and response["Location"] == "/book/booked/"
    booking = BookingRequest.objects.get()
    start = datetime.datetime.fromisoformat(data["times"][0])
    assert booking.status == BookingRequest.Status.CONFIRMED
    assert booking.chosen_window()[0] == start
    assert booking.occupied_slots.count() > 0
    kinds = set(booking.notifications.values_list("kind", flat=True))
    assert {Notification.Kind.BOOKING_PRACTICE, Notification.Kind.BOOKING_CONFIRMED} <= kinds
    assert Notification.Kind.BOOKING_ACKNOWLEDGEMENT not in kinds
    page = client.get("/book/booked/").content.decode()
    assert "Your appointment is booked" in page and "calendar file" in page


def test_an_instant_treatment_takes_one_time_only(client, demo_site):
    service = instant_treatment()
    data = booking_data(service)
    later = picked_times(service.ordered_session_options().first().duration_minutes, 2)
    response = client.post("/book/", booking_data(service, times=later))
    assert response.status_code == 400
    assert "Please choose one time." in response.content.decode()
    assert not BookingRequest.objects.exists()
    assert client.post("/book/", data).status_code == 302


def test_a_time_taken_while_the_visitor_filled_in_is_refused_kindly_and_the_form_stays_usable(
    client, demo_site
):
    service = instant_treatment()
    data = booking_data(service)
    wanted = datetime.datetime.fromisoformat(data["times"][0])
    # Another booking holds the time in the database, though free times still offer it:
    # the moment between this visitor's check and store.
    other = BookingRequest.objects.create(
        service_title="Other",
        session_minutes=60,
        name="Someone Else",
        email="else@example.com",
        phone="07700 900999",
        client_type="new",
        window_1_start=wanted,
        window_1_end=wanted + datetime.timedelta(hours=1),
    )
    OccupiedSlot.objects.create(booking=other, starts_at=wanted)

    response = client.post("/book/", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "someone booked this time a moment before you" in html
    assert "The nearest free times are" in html
    assert BookingRequest.objects.count() == 1
    assert not Notification.objects.exists()

    # Its token was not used up: once the time is free again, the same form books it.
    OccupiedSlot.objects.filter(booking=other).delete()
    assert client.post("/book/", data).status_code == 302


def test_two_holds_of_one_unit_are_refused_by_the_database(demo_site):
    booking = weekday_booking()
    moment = at(next_weekday(7), 10)
    OccupiedSlot.objects.create(booking=booking, starts_at=moment)
    with pytest.raises(IntegrityError), transaction.atomic():
        OccupiedSlot.objects.create(booking=booking, starts_at=moment)


# -- the desk -------------------------------------------------------------------------------


def test_her_confirm_of_a_time_taken_meanwhile_is_refused_with_the_reason(demo_site):
    therapist = make_superuser()
    first, second = weekday_booking(), weekday_booking(email="other@example.com")
    start = at(next_weekday(7), 10)
    desk.confirm(first, start, therapist)
    assert first.occupied_slots.exists()

    with pytest.raises(desk.TransitionError, match="just been taken"):
        desk.confirm(second, start + datetime.timedelta(minutes=30), therapist)
    second.refresh_from_db()
    assert second.status == BookingRequest.Status.NEW
    assert not second.occupied_slots.exists()
    assert not second.notifications.exists()

    # Cancelling the first frees its time, and the second can have it.
    first.refresh_from_db()
    desk.cancel(first, therapist)
    assert not first.occupied_slots.exists()
    desk.confirm(second, start, therapist)
    assert second.occupied_slots.exists()


def test_moving_an_appointment_moves_its_held_time(demo_site):
    therapist = make_superuser()
    booking = weekday_booking()
    start = at(next_weekday(7), 10)
    desk.confirm(booking, start, therapist)
    booking.refresh_from_db()
    desk.confirm(booking, start + datetime.timedelta(hours=3), therapist)
    held = sorted(booking.occupied_slots.values_list("starts_at", flat=True))
    assert held[0] == start + datetime.timedelta(hours=3)
    assert timezone.now() < held[0]


# -- the appointments confirmed before the slots existed -------------------------------------

hold_existing = importlib.import_module(
    "bookings.migrations.0004_hold_confirmed_appointments"
).hold_confirmed


def test_the_migration_holds_existing_appointments_and_keeps_an_overlap_saying_so(
    demo_site, capsys
):
    start = at(next_weekday(7), 10)
    first = weekday_booking(
        status=BookingRequest.Status.CONFIRMED, appointment_start=start, confirmed_window=1
    )
    clash = weekday_booking(
        email="other@example.com",
        status=BookingRequest.Status.CONFIRMED,
        appointment_start=start + datetime.timedelta(minutes=30),
        confirmed_window=1,
    )
    weekday_booking(email="new@example.com")  # a request: holds nothing

    hold_existing(django_apps, None)

    # 60 minutes and the 15-minute buffer: 15 units for the first; the second keeps the
    # units after the first's, and both appointments stand.
    assert first.occupied_slots.count() == 15
    assert clash.occupied_slots.count() == 15 - 9
    assert BookingRequest.objects.filter(status="confirmed").count() == 2
    assert OccupiedSlot.objects.values("booking").distinct().count() == 2
    assert f"Booking request #{clash.pk} overlaps" in capsys.readouterr().out
