"""The client's own link, taken from the confirmation as the SMTP test server received it:
cancel or ask for another time, each after a confirm step; a forged, out-of-date, expired
or used link gets a page that says so and changes nothing."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from bookings import desk
from bookings.client_link import SALT, make_token
from bookings.models import BookingRequest

from .desk_support import (
    CLIENT,
    HEALTH_NOTE,
    PRACTICE_INBOX,
    calendar_of,
    link_in,
    sent_to,
    text_of,
    weekday_booking,
)
from .factories import make_staff_user
from .mail import run_worker
from .page_reading import inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(demo_site, smtp_server):
    booking = weekday_booking()
    desk.confirm(booking, booking.window_1_start, by=make_staff_user("sam"))
    run_worker()
    booking.refresh_from_db()
    return booking


def link_path(smtp_server, index: int = -1) -> str:
    """The path of the client's link in the newest (or given) email to the client."""
    url = link_in(text_of(sent_to(smtp_server, CLIENT)[index]))
    assert url.startswith("http://testserver/book/appointment/")
    return urlsplit(url).path


def unchanged(booking) -> bool:
    before = (booking.status, booking.calendar_sequence, booking.events.count())
    booking.refresh_from_db()
    return before == (booking.status, booking.calendar_sequence, booking.events.count())


def test_the_client_cancels_after_a_confirm_step(client, confirmed, smtp_server, staff_client):
    path = link_path(smtp_server)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cancel my appointment" in html and "Ask for another time" in html
    assert HEALTH_NOTE not in html

    step = client.post(path, {"action": "cancel"})
    assert "Yes, cancel my appointment" in step.content.decode()
    assert unchanged(confirmed)  # the first click only asks

    done = client.post(path, {"action": "cancel", "confirmed": "yes"})
    assert done.status_code == 200
    assert "Your appointment is cancelled" in done.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == "cancelled"
    event = confirmed.events.last()
    assert (event.action, event.actor) == ("client_cancelled", None)

    run_worker()
    cancellation = sent_to(smtp_server, CLIENT)[-1]
    assert "As you asked, your appointment is cancelled" in text_of(cancellation)
    method, vevent, _ = calendar_of(cancellation)
    assert method == "CANCEL" and str(vevent["status"]) == "CANCELLED"
    [notice] = sent_to(smtp_server, PRACTICE_INBOX)
    assert "cancelled" in notice["Subject"] and notice["Reply-To"] == CLIENT
    assert HEALTH_NOTE not in notice.as_string()
    history = staff_client.get(f"/admin/booking_requests/inspect/{confirmed.pk}/")
    assert "Cancelled by the client" in history.content.decode()

    # The same link again: a clear page, and nothing changes or is sent.
    for again in (client.get(path), client.post(path, {"action": "cancel", "confirmed": "yes"})):
        assert again.status_code == 410
        assert "already cancelled" in again.content.decode()
    assert unchanged(confirmed)
    run_worker()
    assert len(smtp_server.messages) == 3


def test_the_client_asks_for_another_time_once(client, confirmed, smtp_server, staff_client):
    path = link_path(smtp_server)
    empty = client.post(path, {"action": "move", "message": " "})
    assert empty.status_code == 400 and "Please say which days" in empty.content.decode()
    wish = "Any weekday after 4pm, please."
    step = client.post(path, {"action": "move", "message": wish})
    assert "Yes, send my request" in step.content.decode() and wish in step.content.decode()
    assert unchanged(confirmed)
    done = client.post(path, {"action": "move", "message": wish, "confirmed": "yes"})
    assert "We have your request" in done.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"  # it stands until the therapist moves it
    assert confirmed.events.last().action == "client_move"

    run_worker()
    [notice] = sent_to(smtp_server, PRACTICE_INBOX)
    assert "asks for another time" in notice["Subject"]
    assert wish in text_of(notice) and notice["Reply-To"] == CLIENT
    page = staff_client.get(f"/admin/booking_requests/inspect/{confirmed.pk}/").content.decode()
    assert "The client asked for another time" in page and wish in page

    # Used: the page says so, and a second ask changes and sends nothing.
    assert "already asked for another time" in client.get(path).content.decode()
    again = client.post(path, {"action": "move", "message": "Now!", "confirmed": "yes"})
    assert unchanged(confirmed) and "Now!" not in again.content.decode()
    run_worker()
    assert len(sent_to(smtp_server, PRACTICE_INBOX)) == 1

    # The therapist moves it: the new email's link works again, the old one no longer.
    desk.confirm(confirmed, confirmed.window_2_start, by=None)
    run_worker()
    assert client.get(link_path(smtp_server)).status_code == 200
    old = client.post(path, {"action": "cancel", "confirmed": "yes"})
    assert old.status_code == 410 and "out of date" in old.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"


def test_a_forged_link_gets_a_clear_page_and_changes_nothing(client, confirmed, smtp_server):
    path = link_path(smtp_server)
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = [
        path.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")),
        path.replace(token, make_token(confirmed.public_id, confirmed.calendar_sequence) + "x"),
        "/book/appointment/not-a-token/",
    ]
    for url in forged:
        for response in (
            client.get(url),
            client.post(url, {"action": "cancel", "confirmed": "yes"}),
        ):
            assert response.status_code == 404
            assert "This link does not work" in response.content.decode()
    assert unchanged(confirmed)


@pytest.mark.parametrize(
    "salt",
    ["bookings.client_link", SALT],
    ids=["as-the-site-signed-them-then", "with-the-current-salt"],
)
def test_a_link_that_names_the_booking_by_its_id_is_refused(client, confirmed, salt):
    """The form of link sent before bookings had a public id: after a restore its id may
    be another client's booking, so it is refused like a forged one."""
    payload = f"{confirmed.pk}-{confirmed.calendar_sequence}"
    path = f"/book/appointment/{payload}-{signing.Signer(salt=salt).signature(payload)}/"
    for response in (
        client.get(path),
        client.post(path, {"action": "cancel", "confirmed": "yes"}),
    ):
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert unchanged(confirmed)


def test_a_link_after_the_appointment_has_expired(client, confirmed, smtp_server):
    path = link_path(smtp_server)
    BookingRequest.objects.filter(pk=confirmed.pk).update(
        appointment_start=timezone.now() - datetime.timedelta(minutes=5)
    )
    response = client.post(path, {"action": "cancel", "confirmed": "yes"})
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed" and not confirmed.events.exclude(action="confirmed")


def test_the_link_page_has_no_inline_script_or_style(client, confirmed, smtp_server):
    html = client.get(link_path(smtp_server)).content.decode()
    assert not inline_code(html)
