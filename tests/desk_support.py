"""Helpers for the booking desk's tests: local times, the emails caught by the SMTP test
server, and the calendar files they carry."""

import datetime
import email
from email import policy

from django.utils import timezone
from icalendar import Calendar

from .factories import make_booking_request, set_practice_details
from .open_days import next_weekday

PRACTICE_INBOX = "inbox@practice.example"
CLIENT = "jane@example.com"
HEALTH_NOTE = "Sciatica, left leg"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the practice's time zone."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone()
    )


def weekday_booking(days_ahead: int = 7, **fields):
    """A request with health notes: first choice 10:00–12:00 on a weekday ``days_ahead``
    days on, second choice 14:00–17:00 two days after."""
    set_practice_details(booking_notification_email=PRACTICE_INBOX, phone="01423 000111")
    day = next_weekday(days_ahead)
    values = {
        "email": CLIENT,
        "notes": HEALTH_NOTE,
        "notes_consent_at": timezone.now(),
        "window_2_start": at(next_weekday(days_ahead + 2), 14),
        "window_2_end": at(next_weekday(days_ahead + 2), 17),
        **fields,
    }
    return make_booking_request("Jane Doe", at(day, 10), window_1_end=at(day, 12), **values)


def parse(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def sent_to(smtp_server, address: str) -> list[email.message.EmailMessage]:
    return [parse(m) for m in smtp_server.messages if m.rcpt_tos == [address]]


def calendar_of(message):
    """(METHOD, the VEVENT, the attachment's Content-Type) of the email's calendar file."""
    part = next(p for p in message.iter_attachments() if p.get_filename() == "appointment.ics")
    calendar = Calendar.from_ical(part.get_content())
    return str(calendar["method"]), calendar.walk("VEVENT")[0], part


def link_in(text: str) -> str:
    """The client's own link in an email's text."""
    line = next(line for line in text.splitlines() if "/appointment/" in line)
    return line.strip()


def text_of(message) -> str:
    """The plain text of an email, with or without attachments."""
    return message.get_body(("plain",)).get_content()
