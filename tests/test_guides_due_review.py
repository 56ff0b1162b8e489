"""Guides due a review (last reviewed, or never reviewed and published, over 12 months ago):
on the dashboard, and in the weekly email to the practice."""

import datetime
import email
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.insights import a_year_before, guides_due_review
from blog.models import BlogPage

from .factories import make_guide, make_superuser, set_practice_details
from .page_reading import elements_named, headings, links, section_headed, visible_text, words

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def guides(demo_site):
    """Every demo guide freshly reviewed, then two guides due and two not."""
    today = timezone.localdate()
    year_ago = a_year_before(today)
    BlogPage.objects.update(last_reviewed=today)
    return {
        "reviewed long ago": make_guide(
            title="Sciatica: an old review", date=year_ago - 400 * DAY, last_reviewed=year_ago - DAY
        ),
        "never reviewed, old": make_guide(
            title="Never reviewed, published long ago", date=year_ago - 10 * DAY
        ),
        "reviewed lately": make_guide(
            title="Reviewed last month", date=year_ago - 400 * DAY, last_reviewed=today - 30 * DAY
        ),
        "never reviewed, new": make_guide(title="New and never reviewed", date=today - 60 * DAY),
        "exactly a year": make_guide(title="Reviewed a year ago today", last_reviewed=year_ago),
    }


# The longest waiting first.
DUE = ["Never reviewed, published long ago", "Sciatica: an old review"]
NOT_DUE = ["Reviewed last month", "New and never reviewed", "Reviewed a year ago today"]


def dashboard_panel(client):
    client.force_login(make_superuser())
    panel = section_headed(client.get("/admin/").content, "Guides due a review")
    assert panel is not None
    return panel


def test_only_guides_reviewed_or_published_over_a_year_ago_are_due(guides):
    assert [guide.title for guide in guides_due_review()] == DUE


def test_a_draft_is_never_due(guides):
    guides["never reviewed, old"].unpublish()
    assert [guide.title for guide in guides_due_review()] == ["Sciatica: an old review"]


def test_the_dashboard_lists_the_guides_due_a_review_with_links_to_edit_them(client, guides):
    html = dashboard_panel(client)

    assert headings(html)[0] == (2, "Guides due a review (2)")
    for key in ("reviewed long ago", "never reviewed, old"):
        guide = guides[key]
        assert (guide.title, f"/admin/pages/{guide.pk}/edit/") in links(html)
    assert "Never" in [words(cell.get_text()) for cell in elements_named(html, "td")]
    text = visible_text(html)
    for title in NOT_DUE:
        assert title not in text


def test_the_dashboard_says_so_when_no_guide_is_due(client, guides):
    BlogPage.objects.update(last_reviewed=timezone.localdate())
    assert "No guide is due a review" in visible_text(dashboard_panel(client))


def test_the_weekly_email_lists_the_guides_due_to_the_practice(guides, smtp_server):
    set_practice_details(booking_notification_email="therapist@example.com")
    out = StringIO()

    call_command("email_guides_due_review", stdout=out)

    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["therapist@example.com"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "2 guides due a review"
    body = message.get_payload(decode=True).decode()
    for key in ("reviewed long ago", "never reviewed, old"):
        guide = guides[key]
        assert guide.title in body
        assert f"http://testserver/admin/pages/{guide.pk}/edit/" in body
    assert "never reviewed, published" in body
    for title in NOT_DUE:
        assert title not in body
    assert "therapist@example.com" in out.getvalue()


def test_the_email_goes_to_the_public_address_when_no_notification_address_is_set(
    guides, smtp_server
):
    set_practice_details(booking_notification_email="", email="hello@example.com")
    call_command("email_guides_due_review", stdout=StringIO())
    assert smtp_server.messages[0].rcpt_tos == ["hello@example.com"]


def test_nothing_is_sent_when_no_guide_is_due(guides, smtp_server):
    set_practice_details(booking_notification_email="therapist@example.com")
    BlogPage.objects.update(last_reviewed=timezone.localdate())
    out = StringIO()

    call_command("email_guides_due_review", stdout=out)

    assert smtp_server.messages == []
    assert "nothing sent" in out.getvalue()


def test_without_any_practice_address_the_command_says_what_to_set(guides, smtp_server):
    set_practice_details(booking_notification_email="", email="")
    with pytest.raises(CommandError, match="Practice settings"):
        call_command("email_guides_due_review", stdout=StringIO())
    assert smtp_server.messages == []
