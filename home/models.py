from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage
from wagtail.models import Orderable, Page, PageManager, PageViewRestriction, Site
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtailseo.models import SeoMixin, SeoSettings

from writing_checks.panel import EmptyBulletsDroppedForm, WritingChecksPanel

from .blocks import RICH_TEXT_FEATURES, BaseStreamBlock, faq_schema
from .context_processors import read_menu_and_links
from .private_sections import live_public, view_restrictions
from .request_memo import current_request

OG_IMAGE_FILTER = "fill-1200x630|format-jpeg|jpegquality-80"

UNDESCRIBED_PICTURE = (
    "This picture has no description, so people who cannot see it would hear nothing. "
    "Add a description to the image under Images (it is read aloud as its alt text), or "
    "tick “Decorative” below if the picture adds nothing a reader needs."
)


def decorative_flag(help_text: str) -> models.BooleanField:
    """The “decorative” tick box that goes with a picture a page shows."""
    return models.BooleanField("Decorative", default=False, help_text=help_text)


DAYS_OF_WEEK = [
    ("Monday", "Monday"),
    ("Tuesday", "Tuesday"),
    ("Wednesday", "Wednesday"),
    ("Thursday", "Thursday"),
    ("Friday", "Friday"),
    ("Saturday", "Saturday"),
    ("Sunday", "Sunday"),
]


class OpeningHoursValue(blocks.StructValue):
    def schema(self) -> dict:
        return {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"https://schema.org/{day}" for day in self.get("days")],
            "opens": self.get("opens").strftime("%H:%M"),
            "closes": self.get("closes").strftime("%H:%M"),
        }

    def covers(self, moment) -> bool:
        """Whether a local datetime falls inside these hours."""
        return moment.strftime("%A") in self.get("days") and self.get(
            "opens"
        ) <= moment.time() <= self.get("closes")


class OpeningHoursBlock(blocks.StructBlock):
    days = blocks.MultipleChoiceBlock(
        choices=DAYS_OF_WEEK, widget=forms.CheckboxSelectMultiple, help_text="Tick every day."
    )
    opens = blocks.TimeBlock()
    closes = blocks.TimeBlock()

    class Meta:
        icon = "time"
        label = "Opening hours"
        value_class = OpeningHoursValue


class SocialLinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=40, help_text="For example: Instagram")
    url = blocks.URLBlock()

    class Meta:
        icon = "link"
        label = "Social link"


@register_setting(icon="site")
class PracticeSettings(ClusterableModel, BaseSiteSetting):
    """What the practice tells the world about itself: one place to edit it."""

    name = models.CharField(max_length=120, default="Calm Hands Massage Therapy")
    tagline = models.CharField(max_length=160, blank=True)
    phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="With the country code, e.g. +44 20 7946 0958",
    )
    email = models.EmailField(blank=True, help_text="Shown to visitors.")
    street_address = models.CharField(max_length=200, blank=True)
    locality = models.CharField("Town or city", max_length=100, blank=True)
    region = models.CharField("County or region", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2, default="GB", help_text="Two-letter country code, e.g. GB"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = StreamField(
        [("hours", OpeningHoursBlock())],
        blank=True,
        help_text="These hours decide which times the booking form accepts: a visitor can only "
        "ask for a time inside them. Leave empty to accept any time.",
    )
    price_range = models.CharField(
        max_length=20,
        blank=True,
        help_text="A rough guide for search engines, e.g. £45–£90",
    )
    currency = models.CharField(
        max_length=3,
        default="GBP",
        help_text="Three-letter code of the prices, e.g. GBP",
    )
    booking_notification_email = models.EmailField(
        blank=True,
        help_text="New booking requests and contact messages are sent here. Not shown to visitors.",
    )
    social_links = StreamField([("link", SocialLinkBlock())], blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Linked from the footer and from every form.",
    )
    send_thank_you_after_completed = models.BooleanField(
        "Send a thank-you after a completed appointment",
        default=False,
        help_text="When you mark an appointment completed, the client is emailed a short thank-you.",
    )
    review_link = models.URLField(
        "Review link",
        blank=True,
        help_text="Where clients can leave a review (e.g. your Google reviews page). "
        "The thank-you invites them there.",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("tagline"), FieldPanel("price_range")],
            heading="The practice",
        ),
        MultiFieldPanel(
            [
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("booking_notification_email"),
            ],
            heading="Contact",
        ),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldRowPanel([FieldPanel("locality"), FieldPanel("region")]),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("country")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading="Address and map",
        ),
        FieldPanel("opening_hours"),
        FieldPanel("currency"),
        FieldPanel("social_links"),
        FieldPanel("privacy_page"),
        MultiFieldPanel(
            [FieldPanel("send_thank_you_after_completed"), FieldPanel("review_link")],
            heading="After an appointment",
        ),
    ]

    # The footer links the privacy page, and every page shows wagtail-seo's settings too:
    # fetch them with these, in one query (``for_request``).
    select_related = ["privacy_page", "site__seosettings"]

    class Meta:
        verbose_name = "Practice details"

    @classmethod
    def for_request(cls, request):
        """The request's copy, which also becomes the request's copy of wagtail-seo's settings."""
        practice = super().for_request(request)
        if not hasattr(request, SeoSettings.get_cache_attr_name()):
            try:
                seo = practice.site.seosettings
            except SeoSettings.DoesNotExist:
                return practice  # SeoSettings.for_request creates them
            seo._request = request  # as Wagtail's for_request sets it
            setattr(request, SeoSettings.get_cache_attr_name(), seo)
        return practice

    @property
    def address_lines(self) -> list[str]:
        return [
            line
            for line in (self.street_address, self.locality, self.region, self.postcode)
            if line
        ]

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    def is_open_at(self, moment) -> bool:
        """True when no hours are set, or when a local datetime falls inside them."""
        if not self.opening_hours:
            return True
        return any(child.value.covers(moment) for child in self.opening_hours)

    def schema_reference(self, home_url: str) -> dict:
        """The practice in JSON-LD as other objects name it (an article's publisher, a
        service's provider): the ``@id`` of ``local_business_schema``, with its name and URL."""
        return {
            "@type": "HealthAndBeautyBusiness",
            "@id": f"{home_url}#practice",
            "name": self.name,
            "url": home_url,
        }

    def local_business_schema(self, home_url: str) -> dict:
        """The practice in full, as the home and contact pages describe it."""
        data = {"@context": "https://schema.org", **self.schema_reference(home_url)}
        if self.phone:
            data["telephone"] = self.phone
        if self.email:
            data["email"] = self.email
        if self.price_range:
            data["priceRange"] = self.price_range
        if self.street_address:
            data["address"] = {
                "@type": "PostalAddress",
                "streetAddress": self.street_address,
                "addressLocality": self.locality,
                "addressRegion": self.region,
                "postalCode": self.postcode,
                "addressCountry": self.country,
            }
        if self.latitude is not None and self.longitude is not None:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(self.latitude),
                "longitude": float(self.longitude),
            }
        if self.opening_hours:
            data["openingHoursSpecification"] = [
                child.value.schema() for child in self.opening_hours
            ]
        if self.social_links:
            data["sameAs"] = [child.value["url"] for child in self.social_links]
        return data


class BasePage(SeoMixin, Page):
    """Every page of the site: wagtail-seo's fields, a working noindex and JSON-LD."""

    noindex = models.BooleanField(
        "Hide from search engines",
        default=False,
        help_text="Adds a noindex robots tag and leaves the page out of the sitemap.",
    )

    og_image_decorative = decorative_flag(
        "Tick only if the preview image adds nothing: link previews then give it no "
        "description. Otherwise its description is read aloud."
    )

    promote_panels = [
        MultiFieldPanel(
            [*SeoMixin.seo_meta_panels[0].children, FieldPanel("og_image_decorative")],
            heading=SeoMixin.seo_meta_panels[0].heading,
        ),
        *SeoMixin.seo_menu_panels,
        FieldPanel("noindex"),
    ]

    class Meta:
        abstract = True

    # -- pictures: a description read aloud, or marked decorative ---------------

    def picture_fields(self) -> list[str]:
        """The image fields this page shows, each with a ``<field>_decorative`` flag."""
        return ["og_image"]

    def picture_alt(self, field: str) -> str:
        """A picture's alt text: its image's description, or nothing when it is decorative.

        Never the image's title: that is a file name as often as not ("IMG_2041").
        """
        image = getattr(self, field)
        if image is None or getattr(self, f"{field}_decorative"):
            return ""
        return image.description.strip()

    def clean(self):
        super().clean()
        undescribed = {
            field: UNDESCRIBED_PICTURE
            for field in self.picture_fields()
            if getattr(self, field) is not None
            and not getattr(self, f"{field}_decorative")
            and not getattr(self, field).description.strip()
        }
        if undescribed:
            raise ValidationError(undescribed)

    # -- one request, one site, one settings query ------------------------------
    # While a request is served, the site and settings are the request's copies, which
    # Wagtail caches for the context processors too: the structured data costs no query.

    def get_site(self):
        site = Site.find_for_request(current_request())
        if site and self.path.startswith(site.root_page.path):
            return site
        return super().get_site()

    def site_setting(self, setting: type[BaseSiteSetting]) -> BaseSiteSetting:
        """A site setting of this page's site."""
        request = current_request()
        site = self.get_site()
        if request is not None and site == Site.find_for_request(request):
            return setting.for_request(request)
        return setting.for_site(site)

    @cached_property
    def practice_settings(self) -> "PracticeSettings":
        return self.site_setting(PracticeSettings)

    def get_context(self, request, *args, **kwargs):
        # Both site settings are read here, in one query, before a template asks for either;
        # so are the menu and the pages the body links to.
        self.practice_settings  # noqa: B018
        read_menu_and_links(
            request,
            [
                list(field.value_from_object(self).raw_data)
                for field in self._meta.fields
                if isinstance(field, StreamField)
            ],
        )
        return super().get_context(request, *args, **kwargs)

    def get_view_restrictions(self):
        # Wagtail asks the database twice for each page it serves; on a site with no
        # private section at all, the request's copy already says there is none.
        if not view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    # -- wagtail-seo fixes ------------------------------------------------------

    @property
    def seo_modified_at(self):
        """When the page last changed, for Open Graph (wagtail-seo reads the field itself)."""
        return self.last_published_at

    @property
    def seo_sitename(self) -> str:
        # In every title and og:site_name: the practice's name as the therapist sets it,
        # not the Site's own name, which only the admin shows.
        return self.practice_settings.name

    @cached_property
    def _seo_picture(self) -> tuple[AbstractImage | None, str | None]:
        """The link preview's image, and the page's field that chose it (None: the default)."""
        for attr in self.seo_image_sources:
            image = getattr(self, attr, None)
            if isinstance(image, AbstractImage):
                return image, attr
        # wagtail-seo asks SeoSettings.for_site() each time; the request's copy, shared
        # with the templates, costs no query.
        return self.site_setting(SeoSettings).og_image_default, None

    @property
    def seo_image(self):
        return self._seo_picture[0]

    @property
    def seo_image_alt(self) -> str:
        image, field = self._seo_picture
        if field:
            return self.picture_alt(field)
        return image.description.strip() if image else ""

    @cached_property
    def og_image_rendition(self):
        image = self.seo_image
        return image.get_rendition(OG_IMAGE_FILTER) if image else None

    @property
    def seo_image_url(self) -> str:
        # wagtail-seo #76 sends the original upload; a 1200x630 rendition is what
        # link previews want, and is a fraction of the size.
        if not self.og_image_rendition:
            return ""
        return self.og_image_rendition.full_url

    @property
    def practice_schema_reference(self) -> dict:
        """The practice, as this page's JSON-LD names it (publisher, provider)."""
        return self.practice_settings.schema_reference(self.home_url)

    @property
    def seo_struct_org_base_dict(self) -> dict:
        # wagtail-seo #83 gives the organisation the current page's URL.
        return self.practice_schema_reference

    # -- our own structured data ----------------------------------------------

    @cached_property
    def home_url(self) -> str:
        site = self.get_site()
        return site.root_page.get_full_url() if site else ""

    def get_sitemap_urls(self, request=None):
        if self.noindex:
            return []
        return super().get_sitemap_urls(request)

    @cached_property
    def breadcrumbs(self) -> list[Page]:
        """The ancestors between the site root and this page, home first."""
        # Routing a request already fetched every ancestor and left each on its child
        # (treebeard's parent cache): walking up costs no query while serving a page.
        trail = []
        page = self
        while page.depth > 2:
            page = page.get_parent()
            trail.append(page)
        return trail[::-1]

    def breadcrumb_schema(self) -> dict | None:
        if not self.breadcrumbs:
            return None
        trail = [*self.breadcrumbs, self]
        return {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": page.title,
                    "item": page.get_full_url(),
                }
                for position, page in enumerate(trail, start=1)
            ],
        }

    def structured_data(self) -> list[dict]:
        """The JSON-LD objects this page emits. Subclasses add their own."""
        return [data for data in (self.breadcrumb_schema(),) if data]


class PageWithPicturesQuerySet(PageQuerySet):
    def only(self, *fields):
        # Who asks for a few fields only (treebeard, to delete a page) reads no picture,
        # and Django refuses to join a field it defers.
        return super(PageWithPicturesQuerySet, self.select_related(None)).only(*fields)

    def select_for_update(self, *args, **kwargs):
        # Who locks a page (treebeard, to add a child) reads no picture, and PostgreSQL
        # refuses FOR UPDATE on the nullable side of the pictures' outer join.
        return super(PageWithPicturesQuerySet, self.select_related(None)).select_for_update(
            *args, **kwargs
        )


class PageWithPicturesManager(PageManager):
    """A page type's manager that joins the pictures (and other rows) the page shows.

    Wagtail fetches the page it serves through its type's default manager
    (``Page.specific``), so what is joined here costs the page no query of its own.
    """

    _queryset_class = PageWithPicturesQuerySet

    def __init__(self, *related: str):
        super().__init__()
        self.related = related

    def get_queryset(self):
        return super().get_queryset().select_related(*self.related)


class HeroImageMixin(models.Model):
    """A page's large picture, at its top: described, or marked decorative."""

    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_image_decorative = decorative_flag(
        "Tick only if the picture adds nothing a reader needs: screen readers then skip it. "
        "Otherwise its description is read aloud."
    )

    objects = PageWithPicturesManager("hero_image")

    class Meta:
        abstract = True

    def picture_fields(self) -> list[str]:
        return [*super().picture_fields(), "hero_image"]

    @property
    def hero_image_alt(self) -> str:
        return self.picture_alt("hero_image")


class HomeFeaturedService(Orderable):
    page = ParentalKey("home.HomePage", related_name="featured_services")
    service = models.ForeignKey("services.ServicePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("service")]


class HomePage(HeroImageMixin, BasePage):  # noqa: DJ008 (Page gives it __str__, the title)
    hero_heading = models.CharField(max_length=120)
    hero_text = models.TextField(max_length=300, blank=True)
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    booking_cta_heading = models.CharField(max_length=120, default="Ready to feel better?")
    booking_cta_text = models.TextField(max_length=300, blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_image_decorative"),
            ],
            heading="Hero",
        ),
        FieldPanel("intro"),
        InlinePanel("featured_services", label="Featured service", max_num=4),
        MultiFieldPanel(
            [FieldPanel("booking_cta_heading"), FieldPanel("booking_cta_text")],
            heading="Booking call to action",
        ),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "services.ServiceIndexPage",
        "services.BookingPage",
        "blog.BlogIndexPage",
        "services.ContactPage",
        "home.StandardPage",
    ]
    max_count = 1

    seo_image_sources = ["og_image", "hero_image"]

    class Meta:
        verbose_name = "Home page"

    def featured_service_pages(self) -> list[Page]:
        """The chosen services that are live and public, in the editor's order."""
        chosen = [item.service_id for item in self.featured_services.order_by("sort_order")]
        service_model = HomeFeaturedService.service.field.related_model
        services = (
            live_public(service_model.objects.filter(pk__in=chosen))
            .select_related("hero_image")
            .prefetch_related("hero_image__renditions")
        )
        return sorted(services, key=lambda service: chosen.index(service.pk))

    def structured_data(self) -> list[dict]:
        settings = self.practice_settings
        return [
            settings.local_business_schema(self.get_full_url()),
            *super().structured_data(),
        ]


class StandardPage(BasePage):
    """A plain page of text, such as the privacy notice."""

    intro = models.TextField(max_length=400, blank=True)
    body = StreamField(BaseStreamBlock(), blank=True)

    content_panels = Page.content_panels + [
        WritingChecksPanel(),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []

    base_form_class = EmptyBulletsDroppedForm

    class Meta:
        verbose_name = "Plain page"

    def structured_data(self) -> list[dict]:
        faq = faq_schema(self.body)
        return [*super().structured_data(), *([faq] if faq else [])]
