from django.db import models
from django.db.models import Prefetch
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from home.blocks import RICH_TEXT_FEATURES, BaseStreamBlock, faq_schema
from home.models import BasePage, PracticeSettings


class ServiceIndexPage(BasePage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["services.ServicePage"]
    max_count = 1

    @property
    def services(self):
        return (
            ServicePage.objects.child_of(self)
            .live()
            .public()
            .select_related("hero_image")
            .prefetch_related(
                Prefetch(
                    "session_options",
                    queryset=SessionOption.objects.order_by("sort_order"),
                )
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


class ServicePage(BasePage):
    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences, shown on cards and in search results.",
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("who_it_helps"),
    ]

    parent_page_types = ["services.ServiceIndexPage"]
    subpage_types: list[str] = []

    seo_image_sources = ["og_image", "hero_image"]
    seo_description_sources = ["search_description", "summary"]

    def ordered_session_options(self):
        return self.session_options.order_by("sort_order")

    def service_schema(self) -> dict:
        settings = PracticeSettings.for_site(self.get_site())
        data = {
            "@context": "https://schema.org",
            "@type": "Service",
            "name": self.title,
            "description": self.summary,
            "url": self.get_full_url(),
            "serviceType": "Massage therapy",
            "provider": {
                "@type": "HealthAndBeautyBusiness",
                "@id": f"{self.home_url}#practice",
                "name": settings.name,
                "url": self.home_url,
            },
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


class BookingPage(BasePage):
    """Where a visitor asks for a session. The form itself is the booking app's."""

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
