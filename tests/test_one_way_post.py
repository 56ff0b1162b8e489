"""A post to the booking or contact form goes one way: screen, check, store, queue.

The real post runs through the test client while a profiler records every call into the
``services`` and ``bookings`` modules, with the module that made it. No part is replaced.
"""

import sys
from dataclasses import dataclass

import pytest

from bookings.models import BookingRequest, Notification
from services.models import SubmissionToken

from .posts import booking_data, contact_data

pytestmark = pytest.mark.django_db


# Decorators' wrappers: a call through one counts as made by the wrapper's caller.
TRANSPARENT = {"django.views.decorators.debug"}


@dataclass(frozen=True)
class Call:
    module: str
    name: str
    caller_module: str
    from_handler: bool  # made directly by the page's POST handler


def record_calls(client, url: str, data: dict, handler: str) -> tuple[object, list[Call]]:
    calls: list[Call] = []
    handler_frames: set[int] = set()

    def profile(frame, event, arg):
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("services.", "bookings.")):
            return
        caller = frame.f_back
        while caller and caller.f_globals.get("__name__") in TRANSPARENT:
            caller = caller.f_back
        caller_module = caller.f_globals.get("__name__", "") if caller else ""
        name = frame.f_code.co_qualname
        if f"{module}.{name}" == handler:
            handler_frames.add(id(frame))
        calls.append(Call(module, name, caller_module, id(caller) in handler_frames))

    sys.setprofile(profile)
    try:
        response = client.post(url, data)
    finally:
        sys.setprofile(None)
    return response, calls


def assert_one_way(calls: list[Call], handler: str, steps: list[str]) -> None:
    names = [f"{call.module}.{call.name}" for call in calls]
    # Each step once, in order.
    assert [name for name in names if name in steps] == steps
    # The handler's own calls never go back to a module they have left.
    modules = [call.module for call in calls if call.from_handler]
    visited = [module for i, module in enumerate(modules) if i == 0 or modules[i - 1] != module]
    assert len(visited) == len(set(visited)), visited
    # And nothing calls back into the handler's module: no callbacks.
    handler_module = handler.rsplit(".", 1)[0]
    entry = names.index(handler)
    callbacks = [
        call
        for call in calls[entry + 1 :]
        if call.module == handler_module and call.caller_module != handler_module
    ]
    assert callbacks == []


def test_a_booking_post_is_screened_checked_stored_and_queued_once_each(client, demo_site):
    handler = "services.booking.serve_booking_form"
    response, calls = record_calls(client, "/book/", booking_data(), handler)
    assert response.status_code == 302
    assert response["Location"] == "/book/thanks/"
    assert_one_way(
        calls,
        handler,
        [
            "services.screening.screen",
            "services.forms.BookingForm.clean",
            "services.booking.store_booking",
            "bookings.notifications.queue",
        ],
    )
    booking = BookingRequest.objects.get()
    assert set(booking.notifications.values_list("kind", flat=True)) == {
        Notification.Kind.BOOKING_PRACTICE,
        Notification.Kind.BOOKING_ACKNOWLEDGEMENT,
    }
    assert SubmissionToken.objects.count() == 1


def test_a_contact_post_takes_the_same_four_steps(client, demo_site):
    handler = "services.contact.serve_contact_form"
    response, calls = record_calls(client, "/contact/", contact_data(), handler)
    assert response.status_code == 302
    assert response["Location"] == "/contact/thanks/"
    assert_one_way(
        calls,
        handler,
        [
            "services.screening.screen",
            "services.contact.contact_form",
            "services.contact.store_contact",
            "bookings.notifications.queue",
        ],
    )
    assert Notification.objects.get().kind == Notification.Kind.CONTACT_PRACTICE
    assert SubmissionToken.objects.count() == 1
