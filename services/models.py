import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailseo.models import SeoType

from home.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, faq_schema
from home.models import BasePage, HeroImageMixin
from home.private_sections import public


class ServiceIndexPage(BasePage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["services.ServicePage"]
    max_count = 1

    class Meta:
        verbose_name = "Treatments index"
        verbose_name_plural = "Treatments indexes"

    @property
    def services(self):
        return (
            public(ServicePage.objects.child_of(self).live())
            .select_related("hero_image")
            .prefetch_related(
                "hero_image__renditions",
                Prefetch(
                    "session_options",
                    queryset=SessionOption.objects.order_by("sort_order"),
                ),
            )
        )


class SessionOption(Orderable):
    page = ParentalKey(
        "services.ServicePage", on_delete=models.CASCADE, related_name="session_options"
    )
    duration_minutes = models.PositiveSmallIntegerField(help_text="For example: 60")
    price = models.DecimalField(max_digits=7, decimal_places=2, help_text="For example: 65.00")

    panels = [FieldRowPanel([FieldPanel("duration_minutes"), FieldPanel("price")])]

    class Meta(Orderable.Meta):
        verbose_name = "session option"

    def __str__(self):
        return f"{self.duration_minutes} minutes"


class ServicePage(HeroImageMixin, BasePage):
    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences, shown on cards and in search results.",
    )
    body = StreamField(BaseStreamBlock(), blank=True)
    benefits = StreamField(
        [("benefit", blocks.CharBlock(max_length=200, label="Benefit"))],
        blank=True,
        help_text="Short points, one per line, e.g. 'Eases long-standing muscle tension'.",
    )
    who_it_helps = RichTextField("Who it helps", features=RICH_TEXT_FEATURES, blank=True)
    contraindications = RichTextField(
        "When not to book",
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text="Conditions where this treatment is not suitable, or needs a doctor's advice first.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("hero_image_decorative"),
        InlinePanel("session_options", label="Session option", min_num=1),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("benefits"),
                FieldPanel("who_it_helps"),
                FieldPanel("contraindications"),
            ],
            heading="Who it is for",
        ),
    ]
    # Found by what it helps and whom it suits. Not by "When not to book": a search for
    # "pregnancy" must not offer a treatment that is unsuitable in pregnancy.
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("benefits"),
        index.SearchField("who_it_helps"),
        index.SearchField("body"),
    ]

    parent_page_types = ["services.ServiceIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "Treatment"
        verbose_name_plural = "Treatments"

    in_site_search = True  # found by the search in every page's header

    seo_image_sources = ["og_image", "hero_image"]
    seo_description_sources = ["search_description", "summary"]

    def ordered_session_options(self):
        return self.session_options.order_by("sort_order")

    def service_schema(self) -> dict:
        settings = self.practice_settings
        data = {
            "@context": "https://schema.org",
            "@type": "Service",
            "name": self.title,
            "description": self.summary,
            "url": self.get_full_url(),
            "serviceType": "Massage therapy",
            "provider": self.practice_schema_reference,
            "offers": [
                {
                    "@type": "Offer",
                    "name": f"{option.duration_minutes}-minute session",
                    "price": f"{option.price:.2f}",
                    "priceCurrency": settings.currency,
                    "availability": "https://schema.org/InStock",
                }
                for option in self.ordered_session_options()
            ],
        }
        if self.og_image_rendition:
            data["image"] = self.og_image_rendition.full_url
        return data

    def structured_data(self) -> list[dict]:
        faq = faq_schema(self.body)
        return [
            *super().structured_data(),
            self.service_schema(),
            *([faq] if faq else []),
        ]


class BookingPage(RoutablePageMixin, BasePage):
    """Where a visitor asks for a session: the form is ``services.forms.BookingForm``, its
    handling ``services.booking``, beside the contact page's ``services.contact``.

    The handling modules import these models, so each route imports its own when it runs.
    """

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    thank_you_text = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    cancellation_policy = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("thank_you_text"),
        FieldPanel("cancellation_policy"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    page_cache_exempt = True  # its form holds a token of each visitor's own

    class Meta:
        verbose_name = "Booking page"

    # Every value a visitor posts is personal, and the notes are health data: none of it
    # may reach an error report.
    @path("")
    @method_decorator(sensitive_post_parameters())
    def booking_form(self, request):
        from .booking import serve_booking_form

        return serve_booking_form(self, request)

    def serve_after_csrf_failure(self, request, view=None, args=(), kwargs=None):
        """``CSRF_FAILURE_VIEW`` asks the page: the booking form again, as it was filled in."""
        if getattr(view, "__name__", "") != "booking_form":
            return None
        from .booking import serve_booking_form_again

        return serve_booking_form_again(self, request)

    @path("thanks/")
    def thanks(self, request):
        return self.render(request, template="services/booking_page_thanks.html")

    # The client's own link from a confirmation: cancel or ask for another time, no login.
    @path("appointment/<str:token>/")
    @method_decorator(sensitive_post_parameters())
    def client_link(self, request, token):
        from .client_pages import serve_client_link

        return serve_client_link(self, request, token)


class ContactFormField(AbstractFormField):
    page = ParentalKey("services.ContactPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactPage(RoutablePageMixin, BasePage, AbstractEmailForm):
    """The contact form. Its fields are edited by the therapist with Wagtail's form builder.

    Messages take the booking form's path (``services.contact`` beside ``services.booking``):
    screened, stored, then emailed by the worker, never inline. Wagtail's own ``serve`` and
    its inline-email ``process_form_submission`` are never reached: the routes below serve.
    """

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    thank_you_text = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = AbstractEmailForm.content_panels + [
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="Email",
        ),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    page_cache_exempt = True  # its form holds a token of each visitor's own

    class Meta:
        verbose_name = "Contact page"

    seo_content_type = SeoType.WEBSITE

    def structured_data(self) -> list[dict]:
        return [
            self.practice_settings.local_business_schema(self.home_url),
            *super().structured_data(),
        ]

    def get_form_class(self):
        from .forms import ContactFormBuilder

        return ContactFormBuilder(self.get_form_fields()).get_form_class()

    def get_submissions_list_view_class(self):
        from .wagtail_hooks import ContactMessagesView

        return ContactMessagesView

    # Messages are personal: none of what is posted may reach an error report.
    @path("")
    @method_decorator(sensitive_post_parameters())
    def contact_form(self, request):
        from .contact import serve_contact_form

        return serve_contact_form(self, request)

    def serve_after_csrf_failure(self, request, view=None, args=(), kwargs=None):
        """``CSRF_FAILURE_VIEW`` asks the page: the contact form again, as it was filled in."""
        if getattr(view, "__name__", "") != "contact_form":
            return None
        from .contact import serve_contact_form_again

        return serve_contact_form_again(self, request)

    @path("thanks/")
    def thanks(self, request):
        return self.render_landing_page(request)

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return self.render_landing_page(request)
        return self.contact_form(request)


# -- booking requests -------------------------------------------------------------


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
        ServicePage,
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
    window_2_start = models.DateTimeField("second choice, from")
    window_2_end = models.DateTimeField("second choice, until")
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
        or at the time the therapist set (``services.desk.confirm`` always sets it)."""
        if self.appointment_start and self.confirmed_window is None:
            begins = self.appointment_start
            return begins, begins + datetime.timedelta(minutes=self.session_minutes)
        for number, start, _end in self.windows():
            if number == self.confirmed_window:
                begins = self.appointment_start or start
                return begins, begins + datetime.timedelta(minutes=self.session_minutes)
        return None

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
    """One email to send, with its delivery state. Sent once: see ``services.notifications``."""

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


class SubmissionToken(models.Model):
    """A used one-time form token: the same form posted twice stores one submission."""

    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return self.token


class QuarantinedSubmission(models.Model):
    """A post that looked automated (honeypot filled, sent too fast). Kept, never emailed."""

    form = models.CharField(max_length=20, choices=[("booking", "Booking"), ("contact", "Contact")])
    reason = models.CharField(max_length=40)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "quarantined submission"

    def __str__(self):
        return f"Quarantined {self.form} submission #{self.pk} ({self.reason})"


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
