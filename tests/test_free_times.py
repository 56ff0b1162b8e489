"""Her free times from what the database holds (availability/free_times.py): opening hours,
confirmed appointments with her buffer, time off and her busy calendar's copy; the
``free_times`` command; the dashboard's word on the busy calendar; time off in the admin."""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from availability.busy_calendar import current_copy
from availability.free_times import free_times, free_times_on
from availability.models import AvailabilitySettings, BusyCalendarCopy, TimeOff
from bookings.models import BookingRequest
from services.models import BookingPage

from .factories import make_booking_request, make_service, set_practice_details

pytestmark = pytest.mark.django_db

EVERY_DAY = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
]  # fmt: skip
MONDAY = dt.date(2027, 1, 4)
TUESDAY, WEDNESDAY = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


NOW = london(MONDAY, 8)


@pytest.fixture(autouse=True)
def open_nine_to_five(demo_site):
    set_practice_details(
        opening_hours=[
            {"type": "hours", "value": {"days": EVERY_DAY, "opens": "09:00", "closes": "17:00"}}
        ]
    )


def saved_copy(**fields) -> BusyCalendarCopy:
    """The one copy of her busy calendar, as the reader would have saved it."""
    copy = current_copy()
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def times(minutes: int, day: dt.date, now=NOW) -> list[str]:
    return [f"{moment:%H:%M}" for moment in free_times_on(minutes, day, now=now)]


def confirmed(start: dt.datetime, minutes: int = 60) -> BookingRequest:
    return make_booking_request(
        start=start,
        session_minutes=minutes,
        status=BookingRequest.Status.CONFIRMED,
        confirmed_window=1,
        appointment_start=start,
    )


def test_an_open_day_offers_every_quarter_hour_a_session_fits_in():
    free = times(60, TUESDAY)
    assert free[0] == "09:00" and free[-1] == "16:00"
    assert len(free) == 29  # 9:00 to 16:00, every 15 minutes


def test_a_confirmed_appointment_and_its_buffer_are_taken_out():
    confirmed(london(TUESDAY, 10))
    make_booking_request(start=london(TUESDAY, 14))  # a new request takes no time yet
    free = times(60, TUESDAY)
    assert free[:2] == ["11:15", "11:30"]
    assert "14:00" in free


def test_the_buffer_is_hers_to_set():
    rules = AvailabilitySettings.load()
    rules.buffer_minutes = 0
    rules.save()
    confirmed(london(TUESDAY, 10))
    assert times(60, TUESDAY)[:3] == ["09:00", "11:00", "11:15"]


def test_time_off_is_taken_out():
    TimeOff.objects.create(reason="Holiday", first_day=WEDNESDAY, last_day=WEDNESDAY)
    TimeOff.objects.create(
        reason="Course", first_day=TUESDAY, last_day=TUESDAY, until_time=dt.time(13)
    )
    assert times(60, WEDNESDAY) == []
    assert times(60, TUESDAY)[0] == "13:00"


def test_her_busy_calendar_is_taken_out_while_she_has_one():
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "https://calendar.example/private/basic.ics"
    rules.save()
    saved_copy(
        source_url=rules.busy_calendar_url,
        busy=[[london(TUESDAY, 0).isoformat(), london(TUESDAY, 12).isoformat()]],
        read_at=NOW,
    )
    assert times(60, TUESDAY)[0] == "12:00"
    rules.busy_calendar_url = ""
    rules.save()
    assert times(60, TUESDAY)[0] == "09:00"


def test_the_minimum_notice_and_the_horizon_bound_the_times():
    free = free_times(60, now=NOW)
    assert london(MONDAY, 17) <= free[0]  # 12 hours' notice: nothing left on Monday
    assert free[0] == london(TUESDAY, 9)
    assert free[-1] <= NOW + dt.timedelta(weeks=8)
    assert free[-1].date() == (NOW + dt.timedelta(weeks=8)).date() - dt.timedelta(days=1)


def test_without_opening_hours_there_are_no_free_times():
    set_practice_details(opening_hours=[])
    assert free_times(60, now=NOW) == []


def test_the_command_prints_a_days_free_times(capsys):
    service = make_service(title="Hot Stone Massage", options=((60, "60.00"), (90, "85.00")))
    day = timezone.localdate() + dt.timedelta(days=7)
    call_command("free_times", "--treatment", service.slug, "--minutes", "90", "--date", str(day))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{moment:%H:%M}" for moment in free_times_on(90, day)]
    assert lines[0] == "09:00" and lines[-1] == "15:30"


def test_the_command_refuses_a_length_the_treatment_has_not():
    service = make_service(title="Hot Stone Massage", options=((60, "60.00"),))
    with pytest.raises(CommandError, match="no 45-minute session"):
        call_command(
            "free_times", "--treatment", service.slug, "--minutes", "45", "--date", "2027-01-05"
        )
    with pytest.raises(CommandError, match="No live treatment"):
        call_command(
            "free_times", "--treatment", "nothing", "--minutes", "60", "--date", "2027-01-05"
        )


def test_an_address_that_is_not_https_is_refused_in_the_settings():
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "http://calendar.example/basic.ics"
    with pytest.raises(ValidationError):
        rules.full_clean()


def test_time_off_must_end_after_it_starts():
    entry = TimeOff(reason="Course", first_day=TUESDAY, last_day=MONDAY)
    with pytest.raises(ValidationError):
        entry.full_clean()


def test_the_dashboard_says_when_her_calendar_could_not_be_read(admin_client):
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "https://calendar.example/private/basic.ics"
    rules.save()
    saved_copy(
        source_url=rules.busy_calendar_url,
        read_at=timezone.now() - dt.timedelta(hours=3),
        error="The calendar's server answered 404.",
        failing_since=timezone.now() - dt.timedelta(hours=2),
    )
    page = html.unescape(admin_client.get("/admin/").content.decode())
    assert "Your busy calendar could not be read since" in page
    assert "The calendar's server answered 404." in page
    assert "private/basic.ics" not in page


def test_the_dashboard_is_quiet_while_her_calendar_is_read(admin_client):
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "https://calendar.example/private/basic.ics"
    rules.save()
    saved_copy(source_url=rules.busy_calendar_url, read_at=timezone.now())
    assert "Your busy calendar" not in admin_client.get("/admin/").content.decode()


def test_the_dashboard_says_when_her_calendar_was_never_read(admin_client):
    rules = AvailabilitySettings.load()
    rules.busy_calendar_url = "https://calendar.example/private/basic.ics"
    rules.save()
    page = admin_client.get("/admin/").content.decode()
    assert "Your busy calendar has not been read yet" in page


def test_she_enters_time_off_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/snippets/availability/timeoff/add/",
        {"reason": "Holiday", "first_day": "2027-08-02", "last_day": "2027-08-13",
         "from_time": "", "until_time": ""},
    )  # fmt: skip
    assert response.status_code == 302
    listing = admin_client.get("/admin/snippets/availability/timeoff/").content.decode()
    assert "Holiday" in listing
    assert TimeOff.objects.get().last_day == dt.date(2027, 8, 13)


def visible_text(response) -> str:
    """The page's words as a reader meets them (tags dropped, spaces joined)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_booking_page_shows_the_free_times_of_a_chosen_length_by_day(client):
    service = make_service(title="Hot Stone Massage", options=((60, "60.00"), (90, "85.00")))
    ninety = service.session_options.get(duration_minutes=90)
    day = timezone.localdate() + dt.timedelta(days=3)
    TimeOff.objects.create(reason="Course", first_day=day, last_day=day, until_time=dt.time(14))
    booking_page = BookingPage.objects.get()

    before = visible_text(client.get(booking_page.url))
    assert "Show free times" in before
    assert "Hot Stone Massage, 90 minutes." not in before

    page = visible_text(client.get(booking_page.url, {"session": ninety.pk}))
    assert "Hot Stone Massage, 90 minutes." in page
    # That day: from the end of the course to the last 90 minutes before 17:00.
    heading = f"{day:%A} {day.day} {day:%B}"
    assert f"{heading} (7 times) {heading} 14:00 14:15 14:30 14:45 15:00 15:15 15:30 " in page


def test_a_length_that_is_not_offered_shows_no_times(client):
    booking_page = BookingPage.objects.get()
    page = visible_text(client.get(booking_page.url, {"session": "999999"}))
    assert "Show free times" in page
    assert "minutes." not in page.split("Show free times", 1)[1]
