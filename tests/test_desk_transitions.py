"""Each change the desk makes to a request, allowed or refused, from each state, without HTTP.

The table says, for a request in each state and each decision (the therapist's or the
client's, through their link), what the request becomes, what its history records and
which emails are queued; or, when the change is refused, the words the refusal gives. A
refused change stores nothing and queues nothing. To add a state or a decision, add its
maker below and its rows to the table.
"""

import datetime

import pytest
from django.utils import timezone

from bookings import desk
from bookings.models import BookingEvent, BookingRequest, Notification

from .factories import make_booking_request, set_practice_details

Status = BookingRequest.Status
Action = BookingEvent.Action
Kind = Notification.Kind


def request_in(state: str) -> BookingRequest:
    """A request in ``state``: its first choice a week ahead, or begun an hour ago."""
    begun = state == "confirmed, begun"
    start = timezone.now() + (datetime.timedelta(hours=-1) if begun else datetime.timedelta(days=7))
    status = Status.CONFIRMED if state.startswith("confirmed") else Status(state)
    fields = {"appointment_start": start, "confirmed_window": 1} if status != Status.NEW else {}
    return make_booking_request("Jane Doe", start, status=status, **fields)


# Each decision as it is made: with the sequence the decider saw when they chose it.
DECISIONS = {
    # Another of the client's times (their second choice), two days after the first.
    "confirm": lambda booking, seen: desk.confirm(
        booking, booking.window_2_start, None, expected_sequence=seen
    ),
    "decline": lambda booking, seen: desk.decline(booking, None, expected_sequence=seen),
    "cancel": lambda booking, seen: desk.cancel(booking, None, expected_sequence=seen),
    "complete": lambda booking, seen: desk.complete(booking, None, expected_sequence=seen),
    "client cancels": lambda booking, seen: desk.client_cancels(booking, seen),
    "client asks to move": lambda booking, seen: desk.client_asks_to_move(
        booking, seen, "Could we do Friday?"
    ),
}

STATES = ("new", "confirmed", "confirmed, begun", "declined", "cancelled", "completed")

# (state, decision) -> (status after, history event, emails queued, reminders excepted)
ALLOWED = {
    ("new", "confirm"): (Status.CONFIRMED, Action.CONFIRMED, {Kind.BOOKING_CONFIRMED}),
    ("confirmed", "confirm"): (Status.CONFIRMED, Action.MOVED, {Kind.BOOKING_UPDATED}),
    ("confirmed, begun", "confirm"): (Status.CONFIRMED, Action.MOVED, {Kind.BOOKING_UPDATED}),
    ("new", "decline"): (Status.DECLINED, Action.DECLINED, {Kind.BOOKING_DECLINED}),
    ("confirmed", "cancel"): (Status.CANCELLED, Action.CANCELLED, {Kind.BOOKING_CANCELLED}),
    ("confirmed, begun", "cancel"): (
        Status.CANCELLED,
        Action.CANCELLED,
        {Kind.BOOKING_CANCELLED},
    ),
    ("confirmed, begun", "complete"): (Status.COMPLETED, Action.COMPLETED, set()),
    ("confirmed", "client cancels"): (
        Status.CANCELLED,
        Action.CLIENT_CANCELLED,
        {Kind.BOOKING_CANCELLED, Kind.CLIENT_CANCELLED},
    ),
    ("confirmed, begun", "client cancels"): (
        Status.CANCELLED,
        Action.CLIENT_CANCELLED,
        {Kind.BOOKING_CANCELLED, Kind.CLIENT_CANCELLED},
    ),
    ("confirmed", "client asks to move"): (
        Status.CONFIRMED,
        Action.CLIENT_ASKED_TO_MOVE,
        {Kind.CLIENT_ASKED_TO_MOVE, Kind.CLIENT_MOVE_ACKNOWLEDGEMENT},
    ),
    ("confirmed, begun", "client asks to move"): (
        Status.CONFIRMED,
        Action.CLIENT_ASKED_TO_MOVE,
        {Kind.CLIENT_ASKED_TO_MOVE, Kind.CLIENT_MOVE_ACKNOWLEDGEMENT},
    ),
}

# What a refusal says, by decision; a state's own words where it has them.
REFUSALS = {
    "confirm": lambda state: f"A {state} request cannot be confirmed.",
    "decline": lambda state: "Only a new request can be declined; cancel a confirmed one.",
    "cancel": lambda state: "Only a confirmed appointment can be cancelled.",
    "complete": lambda state: (
        "An appointment can be completed once it has begun."
        if state == "confirmed"
        else "Only a confirmed appointment can be completed."
    ),
    "client cancels": lambda state: "Only a confirmed appointment can be cancelled.",
    "client asks to move": lambda state: "Only a confirmed appointment can be moved.",
}

REFUSED = [
    (state, decision)
    for state in STATES
    for decision in DECISIONS
    if (state, decision) not in ALLOWED
]


def what_is_stored(booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        booking.calendar_sequence,
        list(BookingEvent.objects.filter(booking=booking).values_list("action", flat=True)),
        list(Notification.objects.filter(booking=booking).values_list("kind", "status")),
    )


@pytest.fixture(autouse=True)
def no_thank_you(db):
    set_practice_details(send_thank_you_after_completed=False)


@pytest.mark.parametrize(
    ("state", "decision"), ALLOWED.keys(), ids=[" / ".join(case) for case in ALLOWED]
)
def test_an_allowed_change_moves_the_request_records_it_and_queues_its_emails(state, decision):
    status, action, emails = ALLOWED[state, decision]
    booking = request_in(state)
    sequence = booking.calendar_sequence
    DECISIONS[decision](booking, sequence)
    booking.refresh_from_db()
    assert booking.status == status
    assert [event.action for event in booking.events.all()] == [action]
    queued = Notification.objects.filter(booking=booking).exclude(kind=Kind.BOOKING_REMINDER)
    assert {row.kind for row in queued} == emails
    if decision != "client asks to move":  # the appointment stands until the therapist moves it
        assert booking.calendar_sequence == sequence + 1


@pytest.mark.parametrize(("state", "decision"), REFUSED, ids=[" / ".join(case) for case in REFUSED])
def test_a_refused_change_says_why_and_stores_and_queues_nothing(state, decision):
    booking = request_in(state)
    before = what_is_stored(booking)
    with pytest.raises(desk.TransitionError) as refusal:
        DECISIONS[decision](booking, booking.calendar_sequence)
    assert str(refusal.value) == REFUSALS[decision](state.split(",")[0])
    assert what_is_stored(booking) == before


def test_the_table_has_every_status_a_request_can_have():
    assert {request_in(state).status for state in STATES} == set(Status)


@pytest.mark.parametrize(
    ("state", "start", "refusal"),
    [
        ("new", lambda booking: None, "Choose one of the client's times, or type another."),
        (
            "new",
            lambda booking: timezone.now() - datetime.timedelta(minutes=1),
            "The appointment must start in the future.",
        ),
        (
            "confirmed",
            lambda booking: booking.appointment_start,
            "The appointment is already at that time.",
        ),
    ],
    ids=["no time", "a time past", "the same time"],
)
def test_confirming_at_no_time_a_past_time_or_the_same_time_is_refused(state, start, refusal):
    booking = request_in(state)
    before = what_is_stored(booking)
    with pytest.raises(desk.TransitionError, match=refusal):
        desk.confirm(booking, start(booking), None)
    assert what_is_stored(booking) == before


@pytest.mark.parametrize("decision", DECISIONS.keys())
def test_a_decision_on_a_request_changed_meanwhile_is_refused(decision):
    booking = request_in("confirmed")
    seen = booking.calendar_sequence
    desk.confirm(booking, booking.window_2_start, None)  # someone else moved it meanwhile
    before = what_is_stored(booking)
    with pytest.raises(desk.TransitionError) as refusal:
        DECISIONS[decision](booking, seen)
    assert str(refusal.value) == desk.CHANGED_MEANWHILE
    assert what_is_stored(booking) == before


def test_the_clients_link_asks_to_move_only_once():
    booking = request_in("confirmed")
    desk.client_asks_to_move(booking, booking.calendar_sequence, "Friday?")
    before = what_is_stored(booking)
    with pytest.raises(desk.LinkAlreadyUsed):
        desk.client_asks_to_move(booking, booking.calendar_sequence, "Friday, please?")
    assert what_is_stored(booking) == before
