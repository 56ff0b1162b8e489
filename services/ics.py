"""The calendar file attached to a confirmation."""

from django.utils import timezone
from icalendar import Calendar, Event, vText

# The program that wrote the file (RFC 5545, 3.7.3), not whose appointment it is: it stays
# the same when the practice changes its name. The practice's name is in the event itself.
PRODID = "-//Practice website//Booking confirmation//EN"


def booking_calendar(booking, practice) -> bytes:
    start, end = booking.chosen_window()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{practice.name.lower().replace(' ', '-')}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"{booking.service_title} at {practice.name}")
    event.add("location", vText(", ".join(practice.address_lines)))
    event.add(
        "description",
        f"{booking.service_title}, {booking.session_minutes} minutes. "
        f"Booking {booking.number}. To change or cancel, reply to the confirmation email"
        + (f" or call {practice.phone}." if practice.phone else "."),
    )
    calendar.add_component(event)
    return calendar.to_ical()
