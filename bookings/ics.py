"""The calendar files attached to the client's emails (RFC 5545, with iTIP's methods).

Every file about one appointment carries the same UID, so the client's calendar keeps one
event: a confirmation or a new time is ``METHOD:REQUEST``, a cancellation ``METHOD:CANCEL``
with ``STATUS:CANCELLED``, and each later file has a higher ``SEQUENCE`` (the booking's
``calendar_sequence`` when the email was queued), so an older file never wins.
"""

from email.mime.text import MIMEText
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

# The program that wrote the file (RFC 5545, 3.7.3), not whose appointment it is: it stays
# the same when the practice changes its name. The practice's name is in the event itself.
PRODID = "-//Practice website//Booking confirmation//EN"

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def event_uid(booking) -> str:
    """Stored with the booking (``BookingRequest.calendar_uid``): it never changes, neither
    when the practice is renamed nor when a restore hands the booking's id out again."""
    return booking.calendar_uid


def organizer_address(practice) -> str:
    return practice.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def booking_calendar(booking, practice, sequence: int | None = None, method=REQUEST) -> bytes:
    """The appointment as a calendar file; ``method`` CANCEL takes it out of the calendar."""
    start, end = booking.chosen_window()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.calendar_sequence if sequence is None else sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"{booking.service_title} at {practice.name}")
    event.add("location", vText(", ".join(practice.address_lines)))
    # iTIP asks for an organiser and the attendee in a REQUEST or CANCEL.
    organizer = vCalAddress(f"mailto:{organizer_address(practice)}")
    organizer.params["cn"] = vText(practice.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.email}")
    attendee.params["cn"] = vText(booking.name)
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    if method == CANCEL:
        event.add("status", "CANCELLED")
        event.add("description", f"Cancelled: {booking.service_title}, booking {booking.number}.")
    else:
        event.add("status", "CONFIRMED")
        event.add(
            "description",
            f"{booking.service_title}, {booking.session_minutes} minutes. "
            f"Booking {booking.number}. To change or cancel, use the link in the email"
            + (f" or call {practice.phone}." if practice.phone else "."),
        )
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_attachment(content: bytes, method: str) -> MIMEText:
    """The file as a ``text/calendar; method=…`` attachment, as calendar programs expect."""
    part = MIMEText(content.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    return part
