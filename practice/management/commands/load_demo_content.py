"""Build the practice's demo site on an empty database. Running it again changes nothing."""

import json
from datetime import datetime, time
from io import BytesIO

from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtailseo.models import SeoSettings

from blog.models import Author, BlogIndexPage, BlogPage
from home.images import prerender_renditions
from home.models import HomeFeaturedService, HomePage, PracticeSettings, StandardPage
from practice.demo import article
from practice.demo.images import draw_image
from practice.demo.pages import (
    BLOG_INDEX,
    BOOKING,
    CONTACT,
    HOME,
    PRACTICE,
    PRIVACY,
    SERVICE_INDEX,
)
from practice.demo.services import SERVICES
from practice.public_address import site_address
from services.models import (
    BookingPage,
    ContactFormField,
    ContactPage,
    ServiceIndexPage,
    ServicePage,
    SessionOption,
)

IMAGES = {
    "home": (
        "Treatment room",
        1,
        "sage",
        "A calm treatment room in soft sage green light",
    ),
    "deep-tissue-massage": (
        "Deep tissue massage",
        2,
        "clay",
        "Warm clay tones suggesting deep, slow pressure",
    ),
    "trigger-point-therapy": (
        "Trigger point therapy",
        3,
        "mist",
        "Cool blue shapes suggesting focused release",
    ),
    "myofascial-release": (
        "Myofascial release",
        4,
        "moss",
        "Soft moss-green layers suggesting gentle stretching",
    ),
    "swedish-massage": (
        "Swedish massage",
        5,
        "sand",
        "Flowing sand-coloured waves suggesting relaxation",
    ),
    article.SLUG: (
        "Sciatica guide",
        6,
        "dusk",
        "Soft lilac shapes suggesting easing pain in the lower back",
    ),
}


class Command(BaseCommand):
    help = "Creates the demo practice site: pages, settings and images. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hostname", help="The site's hostname; by default DJANGO_PUBLIC_URL's."
        )
        parser.add_argument(
            "--port", type=int, help="The site's port; by default DJANGO_PUBLIC_URL's."
        )

    @transaction.atomic
    def handle(self, *args, hostname, port, **options):
        public_hostname, public_port = site_address()
        hostname, port = hostname or public_hostname, port or public_port
        images = {key: ensure_image(*spec) for key, spec in IMAGES.items()}
        home = ensure_home(images["home"])
        ensure_site(home, hostname, port)
        service_index = ensure_page(home, ServiceIndexPage, **SERVICE_INDEX)
        services = [ensure_service(service_index, spec, images[spec["slug"]]) for spec in SERVICES]
        for service in services:
            HomeFeaturedService.objects.get_or_create(
                page=home, service=service, defaults={"sort_order": 0}
            )
        blog_index = ensure_page(home, BlogIndexPage, **BLOG_INDEX)
        booking = ensure_page(home, BookingPage, **BOOKING)
        ensure_article(blog_index, services, booking, images[article.SLUG])
        contact = ensure_contact(home)
        privacy = ensure_page(home, StandardPage, **PRIVACY)
        ensure_settings(home, privacy, images["home"])
        # Made now, so that no visitor's request ever waits for an image to be resized.
        prerender_renditions()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo site ready: {Page.objects.live().count()} live pages, "
                f"{Image.objects.count()} images, contact page at {contact.url}."
            )
        )


def ensure_image(title, seed, palette, alt_text):
    image = Image.objects.filter(title=title).first()
    if image:
        return image
    content = ImageFile(BytesIO(draw_image(seed, palette)), name=f"{palette}-{seed}.jpg")
    image = Image(title=title, description=alt_text, file=content)
    image.save()
    return image


def ensure_home(hero_image):
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    # Wagtail's migrations leave a "Welcome" placeholder at the home page's slug.
    for placeholder in root.get_children().filter(content_type__model="page"):
        placeholder.delete()
    home = HomePage(slug="home", hero_image=hero_image, **HOME)
    root.add_child(instance=home)
    home.save_revision().publish()
    return home


def ensure_site(home, hostname, port):
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    if site.root_page_id != home.pk:
        site.root_page = home
        site.hostname, site.port, site.site_name = hostname, port, PRACTICE["name"]
        site.save()


def ensure_page(parent, model, slug, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    body = fields.pop("body", None)
    page = model(slug=slug, **fields)
    if body is not None:
        page.body = json.dumps(body)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_service(index, spec, hero_image):
    existing = ServicePage.objects.child_of(index).filter(slug=spec["slug"]).first()
    if existing:
        return existing
    page = ServicePage(
        slug=spec["slug"],
        title=spec["title"],
        summary=spec["summary"],
        hero_image=hero_image,
        who_it_helps=spec["who_it_helps"],
        contraindications=spec["contraindications"],
        benefits=json.dumps([{"type": "benefit", "value": text} for text in spec["benefits"]]),
        body=json.dumps(stream_data(spec["body"])),
        session_options=[
            SessionOption(duration_minutes=minutes, price=price, sort_order=position)
            for position, (minutes, price) in enumerate(spec["options"])
        ],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_article(blog_index, services, booking, hero_image):
    existing = BlogPage.objects.child_of(blog_index).filter(slug=article.SLUG).first()
    if existing:
        return existing
    author, _ = Author.objects.get_or_create(
        name=PRACTICE["therapist"], defaults=PRACTICE["author"]
    )
    body = stream_data(article.BODY, services=services, booking=booking)
    page = BlogPage(
        slug=article.SLUG,
        title=article.TITLE,
        seo_title=article.SEO_TITLE,
        search_description=article.SEARCH_DESCRIPTION,
        intro=article.INTRO,
        author=author,
        date=article.PUBLISHED,
        last_reviewed=article.LAST_REVIEWED,
        # The admin's "first published" agrees with the guide's own date.
        first_published_at=timezone.make_aware(datetime.combine(article.PUBLISHED, time(9))),
        hero_image=hero_image,
        body=json.dumps(body),
    )
    blog_index.add_child(instance=page)
    page.related_services.set(services)
    page.tags.add(*article.TAGS)
    page.save_revision().publish()
    return page


def ensure_contact(home):
    existing = ContactPage.objects.child_of(home).first()
    if existing:
        return existing
    page = ContactPage(**{name: value for name, value in CONTACT.items() if name != "fields"})
    page.form_fields = [
        ContactFormField(sort_order=position, **field)
        for position, field in enumerate(CONTACT["fields"])
    ]
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_settings(home, privacy, default_image):
    site = Site.objects.get(root_page=home)
    practice = PracticeSettings.for_site(site)
    if not practice.phone:
        for name, value in PRACTICE["settings"].items():
            setattr(practice, name, value)
        practice.privacy_page = privacy
        practice.save()
    seo = SeoSettings.for_site(site)
    if not seo.og_image_default_id:
        seo.og_image_default = default_image
        seo.save()


def stream_data(spec, services=(), booking=None):
    """Raw StreamField data from the compact (kind, value) lists of the demo modules."""
    data = []
    for kind, value in spec:
        if kind == "heading":
            data.append({"type": "heading", "value": {"text": value, "level": "h2"}})
        elif kind == "subheading":
            data.append({"type": "heading", "value": {"text": value, "level": "h3"}})
        elif kind == "paragraph":
            data.append({"type": "paragraph", "value": value})
        elif kind == "faq":
            heading, items = (
                value if isinstance(value[0], str) else ("Frequently asked questions", value)
            )
            data.append(
                {
                    "type": "faq",
                    "value": {
                        "heading": heading,
                        "items": [{"question": q, "answer": a} for q, a in items],
                    },
                }
            )
        elif kind == "warning":
            heading, body = value
            data.append(
                {
                    "type": "callout",
                    "value": {"variant": "warning", "heading": heading, "body": body},
                }
            )
        elif kind == "service_list":
            items = "".join(
                f'<li><b><a linktype="page" id="{service.pk}">{service.title}</a></b> – '
                f"{article.SERVICE_LINES[service.slug]}</li>"
                for service in services
            )
            data.append({"type": "paragraph", "value": f"<ul>{items}</ul>"})
        elif kind == "call_to_action":
            heading, text = value
            data.append(
                {
                    "type": "call_to_action",
                    "value": {
                        "heading": heading,
                        "text": text,
                        "button_label": "Book your appointment",
                        "page": booking.pk,
                    },
                }
            )
        else:
            raise ValueError(f"Unknown demo block kind: {kind}")
    return data
