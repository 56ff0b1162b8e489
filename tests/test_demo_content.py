import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.images.models import Image, Rendition
from wagtail.models import Page, Revision

from home.models import PracticeSettings
from practice.demo import article
from services.models import ServicePage, SessionOption

from .demo import DEMO_URLS, demo_guide

pytestmark = pytest.mark.django_db

SOURCE_GUIDE = Path(__file__).parent.parent / "practice" / "demo" / "sciatica-massage-guide.txt"


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("url_path", "live", "latest_revision_id")),
        "revisions": Revision.objects.count(),
        "images": sorted(Image.objects.values_list("title", "file")),
        "session_options": SessionOption.objects.count(),
        "settings": list(PracticeSettings.objects.values()),
    }


def test_running_the_demo_command_again_changes_nothing(demo_site):
    before = snapshot()
    call_command("load_demo_content", hostname="testserver", port=80, verbosity=0)
    assert snapshot() == before


def test_demo_site_has_every_promised_url(client, demo_site):
    for url in DEMO_URLS:
        assert client.get(url).status_code == 200, url


def test_every_service_has_prices_benefits_and_a_faq(demo_site):
    services = ServicePage.objects.live().order_by("title")
    assert [s.title for s in services] == [
        "Deep Tissue Massage",
        "Myofascial Release",
        "Swedish Massage",
        "Trigger Point Therapy",
    ]
    for service in services:
        assert service.session_options.count() >= 2
        assert len(service.benefits) >= 3
        assert service.contraindications
        assert any(child.block_type == "faq" for child in service.body)
        assert service.hero_image.description


def test_the_article_keeps_every_sentence_of_the_therapists_guide(demo_site):
    guide = demo_guide()
    text = " ".join([guide.intro, *guide.body.stream_block.get_searchable_content(guide.body)])
    text += " ".join(guide.related_services.values_list("title", flat=True))
    fixed = {
        "my client in a sdie lying position which": "my clients in a side-lying position, which",
        "one and done situation and": "one-and-done situation, and",
        "Q: ": "",
    }
    source = SOURCE_GUIDE.read_text()
    for typo, correction in fixed.items():
        assert typo in source
        source = source.replace(typo, correction)
    # The guide's line breaks fell between run-together paragraphs; compare phrase by phrase.
    phrases = [p.strip() for p in re.split(r"[.!?\n–]", source) if len(p.strip()) > 25]
    normalise = lambda s: re.sub(r"\W+", " ", s).lower()  # noqa: E731
    missing = [p for p in phrases[2:] if normalise(p) not in normalise(text)]
    assert not missing


def test_the_article_is_structured_and_linked_to_the_four_services(demo_site):
    guide = demo_guide()
    kinds = [child.block_type for child in guide.body]
    assert kinds.count("heading") >= 6
    (callout,) = [child.value for child in guide.body if child.block_type == "callout"]
    assert callout["variant"] == "warning"
    assert callout["heading"] == "When to See a Doctor First"
    (faq,) = [child.value for child in guide.body if child.block_type == "faq"]
    assert len(faq["items"]) == 3
    assert guide.related_services.count() == 4
    assert set(guide.tags.names()) == {"sciatica", "back pain"}
    assert guide.author.credentials


def test_demo_images_have_alt_text_and_prerendered_renditions(demo_site):
    for image in Image.objects.all():
        assert image.description, image.title
    assert Rendition.objects.filter(filter_spec__startswith="fill-1200x630").exists()


def test_practice_settings_are_filled_in(demo_site):
    practice = PracticeSettings.objects.get()
    assert practice.phone and practice.email and practice.booking_notification_email
    assert practice.address_lines and practice.opening_hours
    assert practice.privacy_page.url == "/privacy/"


def test_the_demo_privacy_notice_says_what_is_stored_why_and_for_how_long(client, demo_site):
    html = client.get("/privacy/").content.decode()
    assert "What we store, and why" in html
    assert "12 months" in html
    assert "Health notes" in html and "explicit consent" in html


def test_the_demo_guide_keeps_the_dates_the_therapist_gave_it(demo_site):
    guide = demo_guide()
    assert (guide.date, guide.last_reviewed) == (article.PUBLISHED, article.LAST_REVIEWED)
    # The admin's "first published" agrees with the guide's own date.
    assert timezone.localdate(guide.first_published_at) == article.PUBLISHED
