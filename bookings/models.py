"""The booking system's records: each request with its history, the emails about it, and
the calendar feed's secret address. Visitors' requests come in through ``bookings.intake``;
the treatment each names is services' page, by its label only: ``bookings`` never imports
``services``.
"""

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


def new_calendar_uid() -> str:
    """A booking's calendar UID: random, as RFC 7986 advises, and never derived from the id,
    which a restore from an older backup hands out again."""
    return str(uuid.uuid4())


class BookingRequest(models.Model):
    """A visitor's request for a session, stored before anything else happens."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    class ClientType(models.TextChoices):
        NEW = "new", "New client"
        RETURNING = "returning", "Returning client"

    created_at = models.DateTimeField("received", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What names the booking outside the admin, where the id would not do: the id is handed
    # out again after a restore from an older backup. The client's link carries public_id;
    # calendar_uid is the UID of every calendar file and feed event about it, stored so that
    # it never changes (bookings from before it existed keep the UID they were sent with).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    calendar_uid = models.CharField(
        max_length=255, unique=True, default=new_calendar_uid, editable=False
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    service = models.ForeignKey(
        "services.ServicePage",
        null=True,
        on_delete=models.SET_NULL,
        related_name="booking_requests",
    )
    # Kept as written at the time, so that renaming or deleting a page loses nothing.
    service_title = models.CharField(max_length=255)
    session_minutes = models.PositiveSmallIntegerField()
    session_price = models.DecimalField(max_digits=7, decimal_places=2, null=True)

    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, db_index=True)
    phone = models.CharField(max_length=30)
    client_type = models.CharField(max_length=10, choices=ClientType.choices)

    window_1_start = models.DateTimeField("first choice, from")
    window_1_end = models.DateTimeField("first choice, until")
    # A visitor who picks free times may pick only one: the second choice is then empty.
    window_2_start = models.DateTimeField("second choice, from", null=True, blank=True)
    window_2_end = models.DateTimeField("second choice, until", null=True, blank=True)
    window_3_start = models.DateTimeField("third choice, from", null=True, blank=True)
    window_3_end = models.DateTimeField("third choice, until", null=True, blank=True)
    confirmed_window = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(1, "First choice"), (2, "Second choice"), (3, "Third choice")],
        help_text="Which of the visitor's times you are confirming.",
    )
    appointment_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The exact start, inside the chosen time. Leave empty to use its start.",
    )

    # Raised by every change the client hears of: the SEQUENCE of the calendar file, and
    # the version of the client's own link (a link of an older version no longer works).
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The version whose client link was used to ask for another time: used once only.
    client_link_used_for = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When the client asked, through their link, for another time: the request needs the
    # therapist until she moves, cancels or completes it, or marks the ask answered.
    needs_you_since = models.DateTimeField(null=True, blank=True, editable=False)

    # Health notes: special-category data, stored only with the explicit consent below.
    notes = models.TextField("health notes", blank=True)
    notes_consent_at = models.DateTimeField("consent given at", null=True, blank=True)
    notes_consent_version = models.CharField("consent wording version", max_length=40, blank=True)
    # The page of this site the visitor came from (services/came_from.py): a path, no more.
    came_from = models.CharField("came from", max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "booking request"

    def __str__(self):
        # Never the notes: this string reaches the admin, logs and error reports.
        return f"Booking request #{self.pk}"

    def __repr__(self):
        return f"<BookingRequest #{self.pk} {self.status}>"

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    def windows(self) -> list[tuple[int, object, object]]:
        """The visitor's preferred times, as (choice number, start, end)."""
        pairs = [
            (1, self.window_1_start, self.window_1_end),
            (2, self.window_2_start, self.window_2_end),
            (3, self.window_3_start, self.window_3_end),
        ]
        return [pair for pair in pairs if pair[1] and pair[2]]

    def chosen_window(self):
        """The confirmed appointment's (start, end): the session inside the chosen window,
        or at the time the therapist set (``bookings.desk.confirm`` always sets it)."""
        if self.appointment_start and self.confirmed_window is None:
            begins = self.appointment_start
            return begins, begins + datetime.timedelta(minutes=self.session_minutes)
        for number, start, _end in self.windows():
            if number == self.confirmed_window:
                begins = self.appointment_start or start
                return begins, begins + datetime.timedelta(minutes=self.session_minutes)
        return None

    @property
    def needs_you(self) -> bool:
        return self.needs_you_since is not None

    @property
    def notification_state(self) -> str:
        now = timezone.now()
        states = {
            n.status
            for n in self.notifications.all()
            # A reminder waiting for its day is on time, not "not sent yet".
            if not (
                n.status == Notification.Status.PENDING
                and n.attempts == 0
                and n.next_attempt_at > now
            )
        } - {Notification.Status.SKIPPED}
        if not states:
            return "none"
        for state in (
            Notification.Status.FAILED,
            Notification.Status.PENDING,
            Notification.Status.SENDING,
        ):
            if state in states:
                return state
        return Notification.Status.SENT


class Notification(models.Model):
    """One email to send, with its delivery state. Sent once: see ``bookings.notifications``."""

    class Kind(models.TextChoices):
        BOOKING_PRACTICE = "booking_practice", "New booking request (to the practice)"
        BOOKING_ACKNOWLEDGEMENT = "booking_ack", "Acknowledgement (to the client)"
        BOOKING_CONFIRMED = "booking_confirmed", "Confirmation (to the client)"
        BOOKING_DECLINED = "booking_declined", "Decline (to the client)"
        BOOKING_UPDATED = "booking_updated", "New time (to the client)"
        BOOKING_CANCELLED = "booking_cancelled", "Cancellation (to the client)"
        BOOKING_THANK_YOU = "booking_thank_you", "Thank-you (to the client)"
        BOOKING_REMINDER = "booking_reminder", "Reminder the day before (to the client)"
        CLIENT_CANCELLED = "client_cancelled", "Client cancelled (to the practice)"
        CLIENT_ASKED_TO_MOVE = "client_move", "Client asks to move (to the practice)"
        CLIENT_MOVE_ACKNOWLEDGEMENT = (
            "client_move_ack",
            "Ask for another time received (to the client)",
        )
        CONTACT_PRACTICE = "contact_practice", "Contact message (to the practice)"
        PASSWORD_RESET = "password_reset", "Password reset (to a staff member)"

    class Status(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed: needs attention"
        # Not sent, on purpose: a reminder for an appointment cancelled or moved since.
        SKIPPED = "skipped", "Not needed any more"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    booking = models.ForeignKey(
        BookingRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    form_submission = models.ForeignKey(
        "wagtailforms.FormSubmission",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The booking's calendar sequence when the email was queued: its calendar file and
    # client link belong to that version of the appointment.
    sequence = models.PositiveIntegerField(default=0)
    # The therapist's personal words for the client, added to the email.
    note = models.TextField(blank=True)
    # An email about no request (a password reset), written whole when queued. Its body
    # holds the reset link, so it is emptied once the row is done with.
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One email of each kind per version of a request, whatever is clicked twice.
            models.UniqueConstraint(
                fields=["booking", "kind", "sequence"],
                condition=models.Q(booking__isnull=False),
                name="one_notification_of_each_kind_per_booking_version",
            ),
            models.UniqueConstraint(
                fields=["form_submission", "kind"],
                condition=models.Q(form_submission__isnull=False),
                name="one_notification_of_each_kind_per_submission",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class OccupiedSlot(models.Model):
    """One unit of her time (``bookings.occupancy.UNIT``) that a confirmed appointment holds.
    The unique start is what makes a double booking impossible: two appointments that
    overlap would need the same row, and the database refuses the second."""

    booking = models.ForeignKey(
        BookingRequest, on_delete=models.CASCADE, related_name="occupied_slots"
    )
    starts_at = models.DateTimeField(unique=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "occupied slot"

    def __str__(self):
        return f"Slot at {self.starts_at:%Y-%m-%d %H:%M} ({self.booking})"


class BookingEvent(models.Model):
    """One step in a request's history: who decided what, and when. Never health notes."""

    class Action(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        MOVED = "moved", "Moved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        CLIENT_CANCELLED = "client_cancelled", "Cancelled by the client"
        CLIENT_ASKED_TO_MOVE = "client_move", "The client asked for another time"
        ANSWERED = "answered", "The client's ask answered, the time kept"

    booking = models.ForeignKey(BookingRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    # Who did it: a member of staff; empty when it was the client, through their link.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    appointment_start = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "booking event"

    def __str__(self):
        return f"{self.get_action_display()} ({self.booking})"

    @property
    def by_client(self) -> bool:
        return self.action in (self.Action.CLIENT_CANCELLED, self.Action.CLIENT_ASKED_TO_MOVE)


def new_calendar_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret part of the feed's address. One row; replacing the token kills the old URL."""

    token = models.CharField(max_length=64, unique=True, default=new_calendar_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "calendar feed"

    def __str__(self):
        # Never the token: this string can reach logs.
        return "Calendar feed"

    def get_absolute_url(self) -> str:
        return reverse("booking_calendar_feed", args=[self.token])

    @classmethod
    def current(cls):
        return cls.objects.order_by("pk").first()

    @classmethod
    def replace_token(cls) -> "CalendarFeed":
        """A new address for the feed; the old one answers 404 from now on."""
        feed = cls.current() or cls()
        feed.token = new_calendar_feed_token()
        feed.created_at = timezone.now()
        feed.save()
        return feed
