from django.db import models
from django.db.models import Prefetch
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

from bookings.client_pages import serve_client_link
from home.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, faq_schema
from home.models import BasePage, HeroImageMixin
from home.private_sections import public

from .booking import serve_booking_form, serve_booking_form_again
from .contact import serve_contact_form, serve_contact_form_again
from .contact_messages import ContactMessagesView

# Models of this app written beside the protection that keeps them.
from .form_records import QuarantinedSubmission, SubmissionToken  # noqa: F401
from .forms import ContactFormBuilder


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

    class BookingMode(models.TextChoices):
        REQUEST = "request", "Request: the client picks up to three free times, you confirm one"
        INSTANT = "instant", "Instant: the time the client picks is confirmed at once"

    booking_mode = models.CharField(
        "How clients book it",
        max_length=10,
        choices=BookingMode.choices,
        default=BookingMode.REQUEST,
        help_text="Instant: the client gets the confirmation and calendar file straight away. "
        "Request: you confirm on the booking desk, as before.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("hero_image_decorative"),
        InlinePanel("session_options", label="Session option", min_num=1),
        FieldPanel("booking_mode"),
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

    @property
    def books_instantly(self) -> bool:
        return self.booking_mode == self.BookingMode.INSTANT

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

    The handlers never import these models: the page hands them what they need (the
    treatments a visitor can book), so the routes import them at the top.
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

    def bookable_treatments(self):
        """The treatments a visitor may ask for: every live, public one, in the tree's order."""
        return public(ServicePage.objects.live()).order_by("path")

    def bookable_sessions(self):
        """Their session lengths, each with its treatment, in the same order."""
        return (
            SessionOption.objects.filter(page__in=self.bookable_treatments())
            .select_related("page")
            .order_by("page__path", "sort_order")
        )

    # Every value a visitor posts is personal, and the notes are health data: none of it
    # may reach an error report.
    @path("")
    @method_decorator(sensitive_post_parameters())
    def booking_form(self, request):
        return serve_booking_form(self, request)

    def serve_after_csrf_failure(self, request, view=None, args=(), kwargs=None):
        """``CSRF_FAILURE_VIEW`` asks the page: the booking form again, as it was filled in."""
        if getattr(view, "__name__", "") != "booking_form":
            return None
        return serve_booking_form_again(self, request)

    @path("thanks/")
    def thanks(self, request):
        return self.render(request, template="services/booking_page_thanks.html")

    @path("booked/")
    def booked(self, request):
        """After a treatment booked instantly: the appointment stands."""
        return self.render(request, template="services/booking_page_booked.html")

    # The client's own link from a confirmation: cancel or ask for another time, no login.
    @path("appointment/<str:token>/")
    @method_decorator(sensitive_post_parameters())
    def client_link(self, request, token):
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
        return ContactFormBuilder(self.get_form_fields()).get_form_class()

    def get_submissions_list_view_class(self):
        return ContactMessagesView

    # Messages are personal: none of what is posted may reach an error report.
    @path("")
    @method_decorator(sensitive_post_parameters())
    def contact_form(self, request):
        return serve_contact_form(self, request)

    def serve_after_csrf_failure(self, request, view=None, args=(), kwargs=None):
        """``CSRF_FAILURE_VIEW`` asks the page: the contact form again, as it was filled in."""
        if getattr(view, "__name__", "") != "contact_form":
            return None
        return serve_contact_form_again(self, request)

    @path("thanks/")
    def thanks(self, request):
        return self.render_landing_page(request)

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return self.render_landing_page(request)
        return self.contact_form(request)
