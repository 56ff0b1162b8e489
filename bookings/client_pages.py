"""Where the client's own link leads (``BookingPage.client_link``): cancel, or ask for
another time, each after a confirm step. No login: the signed link is the key.

A link that is forged, out of date, for an appointment already past or cancelled, or
already used gets a page that says so, and changes nothing.
"""

from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from home.visitor_text import CONTROL_CHARACTERS, MULTILINE_ALLOWED

from . import desk
from .client_link import ForgedLink, read_token
from .models import BookingRequest

TEMPLATE = "bookings/client_link.html"
MESSAGE_MAX_LENGTH = 1000


class LinkProblem(Exception):
    def __init__(self, heading: str, text: str, status: int = 410):
        super().__init__(heading)
        self.heading, self.text, self.status = heading, text, status


def booking_for(token: str) -> tuple[BookingRequest, int]:
    """The booking the link is for, if the link still works; else LinkProblem."""
    try:
        data = read_token(token)
    except ForgedLink:
        raise LinkProblem(
            "This link does not work",
            "It is not a link we sent, or it was cut short when it was copied. Please use "
            "the link in your confirmation email, or reply to that email.",
            status=404,
        ) from None
    booking = BookingRequest.objects.filter(public_id=data.public_id).first()
    if booking is None:
        raise LinkProblem(
            "This link does not work",
            "We cannot find this appointment. Please reply to your confirmation email.",
            status=404,
        )
    if booking.status == BookingRequest.Status.CANCELLED:
        raise LinkProblem(
            "This appointment is already cancelled",
            "Nothing more needs doing. We sent you an email when it was cancelled.",
        )
    if data.sequence != booking.calendar_sequence or booking.status != "confirmed":
        raise LinkProblem(
            "This link is out of date",
            "Your appointment has changed since this email was sent. Please use the link in "
            "the newest email from us.",
        )
    if booking.chosen_window()[0] <= timezone.now():
        raise LinkProblem(
            "This link has expired",
            "It worked until the appointment began. To talk about it, please reply to your "
            "confirmation email.",
        )
    return booking, data.sequence


CONTROL_CHARACTERS_ERROR = (
    "Your message had special (control) characters in it, which we have taken out. "
    "Please check it and send it again."
)


def clean_message(text: str) -> str:
    """One kind of line break, no space around, at most MESSAGE_MAX_LENGTH characters."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()[:MESSAGE_MAX_LENGTH]


def has_control_characters(text: str) -> bool:
    return any(ch in CONTROL_CHARACTERS - MULTILINE_ALLOWED for ch in text)


def without_control_characters(text: str) -> str:
    return "".join(ch for ch in text if ch not in CONTROL_CHARACTERS - MULTILINE_ALLOWED)


def render(page, request, status=200, **context):
    response = page.render(request, template=TEMPLATE, context_overrides=context)
    response.status_code = status
    # The address is the key: kept by no cache, and sent as a Referer to no other site. Not
    # "no-referrer": with it Chromium posts the page's own forms with `Origin: null`, which
    # Django's CSRF check refuses, so the client could not cancel. This site's logs redact it.
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    return response


def serve_client_link(page, request, token: str):
    try:
        booking, sequence = booking_for(token)
    except LinkProblem as problem:
        return render(page, request, problem.status, problem=problem)
    already_asked = booking.client_link_used_for == sequence
    context = {"booking": booking, "already_asked": already_asked, "step": "choose"}
    if request.method != "POST":
        return render(page, request, **context)

    action = request.POST.get("action")
    message = clean_message(request.POST.get("message", ""))
    confirmed = request.POST.get("confirmed") == "yes"
    if action not in ("cancel", "move") or (action == "move" and already_asked):
        return render(page, request, **context)
    if action == "move" and has_control_characters(message):
        context.update(message=without_control_characters(message))
        context["message_error"] = CONTROL_CHARACTERS_ERROR
        return render(page, request, 400, **context)
    if action == "move" and not message:
        context["message_error"] = "Please say which days and times would suit you."
        return render(page, request, 400, **context)
    if not confirmed:
        context.update(step="confirm", action=action, message=message)
        return render(page, request, **context)
    try:
        if action == "cancel":
            desk.client_cancels(booking, sequence)
        else:
            desk.client_asks_to_move(booking, sequence, message)
    except desk.TransitionError:
        # Used or changed between the confirm step and now: say so, as for any old link.
        try:
            booking_for(token)
        except LinkProblem as problem:
            return render(page, request, problem.status, problem=problem)
        return render(
            page,
            request,
            410,
            problem=LinkProblem(
                "You have already used this link",
                "We have your request and will be in touch. Nothing else was changed.",
            ),
        )
    return render(page, request, booking=booking, step="done", action=action)
