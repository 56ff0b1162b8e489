"""The therapist's private calendar feed: her confirmed appointments as an ``.ics`` file that
her phone's calendar subscribes to, at a secret address she can replace in the admin.

Calendar apps cannot log in, so the address is the key: a random token, one per practice,
stored in ``CalendarFeed``. A wrong or replaced token is a 404. The response is never
cached (by the page cache or on the way) and sets no cookie.

What an event holds, and why no more: the calendar on a phone is often copied to a cloud
account, so each event carries the treatment and the client's first name (enough to know
who is coming), the length, and the booking's number with a link to the admin, where the
rest is read after logging in. Never the surname, email, phone or the health notes.

The event's UID is the one the client's confirmation file uses (``bookings.ics``), so both
calendars speak of the same appointment.
"""

import datetime
import secrets

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event
from wagtail.models import Site

from home.models import PracticeSettings

from .appointments import first_name, with_appointment_start
from .ics import event_uid
from .models import BookingRequest, CalendarFeed

PRODID = "-//Practice website//Appointments feed//EN"
# Appointments this far back stay in her calendar; older ones drop out of the feed.
HISTORY = datetime.timedelta(days=30)
# Statuses that put an appointment in her calendar. A completed one stays where it was;
# a cancelled one leaves the feed, and her calendar app removes it on its next refresh.
IN_CALENDAR = (BookingRequest.Status.CONFIRMED, BookingRequest.Status.COMPLETED)


def feed_bookings(now=None):
    since = (now or timezone.now()) - HISTORY
    return (
        with_appointment_start(BookingRequest.objects.filter(status__in=IN_CALENDAR))
        .filter(appointment_at__gte=since)
        .order_by("appointment_at", "pk")
    )


def feed_calendar(practice, admin_base_url: str, now=None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{practice.name}: appointments")
    # How often a subscribing app should look again (Apple and Google read one or the other).
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for booking in feed_bookings(now):
        calendar.add_component(appointment_event(booking, practice, admin_base_url))
    return calendar.to_ical()


def appointment_event(booking, practice, admin_base_url: str) -> Event:
    start = booking.appointment_at
    admin_link = admin_base_url.rstrip("/") + reverse("booking_requests:inspect", args=[booking.pk])
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.calendar_sequence)
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=booking.session_minutes))
    event.add("summary", f"{booking.service_title}: {first_name(booking.name)}")
    event.add(
        "description",
        f"{booking.service_title}, {booking.session_minutes} minutes. "
        f"Booking {booking.number}: {admin_link}",
    )
    event.add("url", admin_link)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


@never_cache
@require_safe  # GET, and HEAD for apps that look first
def calendar_feed(request, token: str):
    """The feed itself: no login, no cookie, no cache; 404 unless the token is the current one."""
    feed = CalendarFeed.current()
    if feed is None or not secrets.compare_digest(feed.token, token):
        raise Http404("No such calendar")
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    body = feed_calendar(PracticeSettings.for_site(site), settings.WAGTAILADMIN_BASE_URL)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The address is the secret: it must not leak to another site through a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response
