"""Model data for tests: plain functions that make what a test needs, as the admin would.

Pages are added under their usual parent and published through a revision. Defaults are
valid and unremarkable; a test passes every value it asserts on, so no test depends on the
demo's copy. The demo site is still in the database (tests/conftest.py): its home page,
service index, blog index, booking and contact pages are where new pages go.
"""

import datetime
import itertools
from io import BytesIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PillowImage
from wagtail.contrib.forms.models import FormSubmission
from wagtail.images.models import Image
from wagtail.models import Site

from blog.models import Author, BlogIndexPage, BlogPage
from bookings.models import BookingRequest
from home.models import HomeFeaturedService, HomePage, PracticeSettings, StandardPage
from services.models import ContactPage, ServiceIndexPage, ServicePage, SessionOption

from .servers import run_in_site_process

_numbers = itertools.count(1)


def _title(kind: str) -> str:
    """A title no other page of the test has: sibling pages need slugs of their own."""
    return f"Test {kind} {next(_numbers)}"


# -- stream blocks, in the raw form a StreamField takes ------------------------------------


def heading(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def faq(*questions_and_answers: tuple[str, str], title: str = "Questions") -> dict:
    items = [{"question": q, "answer": a} for q, a in questions_and_answers]
    return {"type": "faq", "value": {"heading": title, "items": items}}


# -- pages ---------------------------------------------------------------------------------


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_guide(
    parent=None,
    *,
    title: str | None = None,
    date="2026-10-01",
    intro: str = "",
    body=(),
    related_services=(),
    tags=(),
    **fields,
) -> BlogPage:
    """A live guide under the blog index."""
    title = title or _title("guide")
    guide = BlogPage(
        title=title,
        slug=slugify(title),
        date=date,
        intro=intro or f"About {title}.",
        body=list(body),
        **fields,
    )
    (parent or BlogIndexPage.objects.get()).add_child(instance=guide)
    # Set on the draft, so that the revision published below carries them.
    guide.related_services = list(related_services)
    guide.tags.add(*tags)
    guide.save_revision().publish()
    guide.refresh_from_db()
    return guide


def make_guide_in_another_process(env: dict[str, str], title: str, date: str) -> None:
    """``make_guide`` run by ``manage.py shell`` with ``env``: as another server would."""
    run_in_site_process(
        env, f"from tests.factories import make_guide; make_guide(title={title!r}, date={date!r})"
    )


def make_service(
    parent=None,
    *,
    title: str | None = None,
    summary: str = "A treatment made for a test.",
    options=((60, "60.00"),),
    benefits=(),
    who_it_helps: str = "",
    contraindications: str = "",
    body=(),
    featured: bool = False,
    **fields,
) -> ServicePage:
    """A live treatment under the service index, with its session lengths and prices;
    ``featured`` adds it, last, to the treatments the home page shows."""
    title = title or _title("treatment")
    service = ServicePage(
        title=title,
        slug=slugify(title),
        summary=summary,
        benefits=[{"type": "benefit", "value": benefit} for benefit in benefits],
        who_it_helps=who_it_helps,
        contraindications=contraindications,
        body=list(body),
        session_options=[
            SessionOption(duration_minutes=minutes, price=price, sort_order=position)
            for position, (minutes, price) in enumerate(options)
        ],
        **fields,
    )
    _publish(parent or ServiceIndexPage.objects.get(), service)
    if featured:
        home = HomePage.objects.get()
        HomeFeaturedService.objects.create(
            page=home, service=service, sort_order=home.featured_services.count()
        )
    return service


def make_standard_page(parent=None, *, title: str | None = None, body=(), **fields):
    """A live page of text under the home page."""
    title = title or _title("page")
    page = StandardPage(title=title, slug=slugify(title), body=list(body), **fields)
    return _publish(parent or HomePage.objects.get(), page)


def make_author(name: str = "Jo Example", **fields) -> Author:
    return Author.objects.create(name=name, **fields)


def make_image(
    title: str = "Test picture",
    description: str = "Soft green light over a treatment couch",
    colour=(143, 176, 152),
) -> Image:
    """A described JPEG, large enough for every rendition the site makes."""
    buffer = BytesIO()
    PillowImage.new("RGB", (1600, 1000), colour).save(buffer, "JPEG")
    image = Image(title=title, description=description, file=ImageFile(buffer, name="test.jpg"))
    image.save()
    return image


# -- what visitors sent --------------------------------------------------------------------


def make_booking_request(
    name: str = "Jane Doe",
    start: datetime.datetime | None = None,
    *,
    service: ServicePage | None = None,
    **fields,
) -> BookingRequest:
    """A stored request: its first choice at ``start`` (a week ahead unless given), for two
    hours; its second two days later, for three."""
    start = start or timezone.now() + datetime.timedelta(days=7)
    values = {
        "service": service,
        "service_title": service.title if service else "Sports Massage",
        "session_minutes": 60,
        "email": "client@example.com",
        "phone": "07700 900123",
        "client_type": BookingRequest.ClientType.NEW,
        "window_1_start": start,
        "window_1_end": start + datetime.timedelta(hours=2),
        "window_2_start": start + datetime.timedelta(days=2, hours=4),
        "window_2_end": start + datetime.timedelta(days=2, hours=7),
        **fields,
    }
    return BookingRequest.objects.create(name=name, **values)


def make_contact_message(
    page: ContactPage | None = None,
    *,
    name: str = "Tom Reader",
    email: str = "tom@example.com",
    message: str = "Can I book a session for my back?",
) -> FormSubmission:
    """A stored message, as the contact form keeps it."""
    return FormSubmission.objects.create(
        page=page or ContactPage.objects.get(),
        form_data={"name": name, "email": email, "message": message},
    )


# -- people and settings -------------------------------------------------------------------


def make_staff_user(username: str = "robin", *groups: str, password: str = "a-long-passphrase"):
    """A user in the given groups ("Practice staff" unless named), with no other permission."""
    user = get_user_model().objects.create_user(username, password=password)
    for name in groups or ("Practice staff",):
        user.groups.add(Group.objects.get(name=name))
    return user


def make_superuser(username: str = "therapist", password: str = "a-long-passphrase"):
    return get_user_model().objects.create_superuser(username, f"{username}@example.com", password)


def set_practice_details(**fields) -> PracticeSettings:
    """The default site's practice details, with ``fields`` changed and saved."""
    practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(practice, name, value)
    practice.save()
    return practice
