"""The admin speaks the practice's language: names she uses, sensible defaults, choosers
that open where she looks, no moderation for a practice of one, opening days as tick
boxes, and a deleted block brought back without reverting the page."""

import datetime
import os
import subprocess
import sys

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from blog.models import BlogIndexPage, BlogPage
from home.models import HomePage, PracticeSettings
from services.models import ServiceIndexPage

from .factories import heading, make_guide, paragraph, set_practice_details
from .servers import REPO_ROOT
from .test_admin import form_data

pytestmark = pytest.mark.django_db


def page_form_data(form) -> dict:
    """What the page editor posts when saved unchanged: its fields and its formsets."""
    formsets = getattr(form, "formsets", {})
    form.formsets = {}
    try:
        data = form_data(form)
    finally:
        form.formsets = formsets
    for formset in formsets.values():
        for field in formset.management_form:
            data[field.html_name] = field.value()
        assert not formset.forms, "a formset with forms would need them posted too"
    return data


# -- names ---------------------------------------------------------------------------------


def test_the_page_explorer_names_guides_as_she_does(admin_client, demo_site):
    make_guide(title="Sciatica and massage")
    index = BlogIndexPage.objects.get()
    html = admin_client.get(f"/admin/pages/{index.pk}/").content.decode()
    assert "Guides index" in html and ">Guide<" in html.replace("\n", "").replace(" ", "")
    assert "Blog page" not in html and "Blog index page" not in html


def test_adding_a_page_under_home_offers_her_page_types(admin_client, demo_site):
    # The indexes, booking and contact pages exist already (one of each): a plain page is
    # the one type left, and its form is named as she would.
    response = admin_client.get(f"/admin/pages/{demo_site.pk}/add_subpage/", follow=True)
    html = response.content.decode()
    assert "Plain page" in html and "Standard page" not in html
    index = ServiceIndexPage.objects.get()
    html = admin_client.get(f"/admin/pages/{index.pk}/").content.decode()
    assert "Treatments index" in html and "Service index page" not in html


def test_the_guide_editor_says_guide_and_related_treatments(admin_client, demo_site):
    guide = make_guide()
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk])).content.decode()
    assert "Related treatments" in html and "Related services" not in html
    assert "Blog page" not in html


# -- "Published on" --------------------------------------------------------------------------


def test_a_new_guide_is_published_on_today_unless_she_changes_it(admin_client, demo_site):
    index = BlogIndexPage.objects.get()
    response = admin_client.get(
        reverse("wagtailadmin_pages:add", args=["blog", "blogpage", index.pk])
    )
    assert response.context["form"]["date"].value() == datetime.date.today()
    assert "Published on" in response.content.decode()


# -- where the chooser opens ------------------------------------------------------------------


def test_choosing_a_treatment_opens_the_treatments_index(admin_client, demo_site):
    response = admin_client.get("/admin/choose-page/?page_type=services.servicepage")
    assert response.context["parent_page"].specific_class is ServiceIndexPage


@pytest.mark.parametrize(
    "query",
    [
        # A link in rich text, as Draftail asks for it.
        "?page_type=wagtailcore.page&allow_external_link=true&allow_email_link=true",
        # A call to action's button, or the privacy page in the practice's settings.
        "?page_type=wagtailcore.page",
        "",
    ],
)
def test_a_chooser_for_any_page_opens_at_home(admin_client, demo_site, query):
    response = admin_client.get(f"/admin/choose-page/{query}", follow=True)
    assert response.status_code == 200
    home_id = Site.objects.get(is_default_site=True).root_page_id
    assert response.context["parent_page"].pk == home_id
    assert response.redirect_chain[-1][0] == f"/admin/choose-page/{home_id}/{query}"


def test_the_choosers_on_the_editing_pages_ask_wagtail_own_address(admin_client, demo_site):
    """The call to action and the rich-text link open /admin/choose-page/, which comes here."""
    guide = make_guide()
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk])).content.decode()
    assert "/admin/choose-page/" in html
    assert reverse("wagtailadmin_choose_page") == "/admin/choose-page/"


def test_changing_a_link_opens_at_the_linked_pages_parent(admin_client, demo_site):
    index = BlogIndexPage.objects.get()
    response = admin_client.get(f"/admin/choose-page/{index.pk}/?page_type=wagtailcore.page")
    assert response.context["parent_page"].pk == index.pk


def test_the_chooser_is_for_admin_users_only(client, demo_site):
    response = client.get("/admin/choose-page/?page_type=wagtailcore.page")
    assert response.status_code in (302, 403)
    assert "/admin/choose-page/" not in response.get("Location", "")


# -- no "Submit to moderators" ----------------------------------------------------------------


def test_workflows_are_off_unless_the_environment_turns_them_on():
    def enabled(env_value: str | None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "WAGTAIL_WORKFLOWS"}
        if env_value is not None:
            env["WAGTAIL_WORKFLOWS"] = env_value
        script = "from practice.settings import base; print(base.WAGTAIL_WORKFLOW_ENABLED)"
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert enabled(None) == "False"
    assert enabled("0") == "False"
    assert enabled("1") == "True"


def test_the_editor_never_asks_her_to_submit_to_moderators(admin_client, demo_site, settings):
    guide = make_guide()
    url = reverse("wagtailadmin_pages:edit", args=[guide.pk])
    assert "Submit to" not in admin_client.get(url).content.decode()
    # Wagtail's default "Moderators approval" workflow is there, ready for when it is on.
    settings.WAGTAIL_WORKFLOW_ENABLED = True
    assert "Submit to" in admin_client.get(url).content.decode()


# -- opening days ------------------------------------------------------------------------


def test_opening_days_are_tick_boxes_with_help_on_what_they_decide(admin_client, demo_site):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/practicesettings/{site.pk}/"
    html = admin_client.get(url).content.decode()
    assert "decide which times the booking form accepts" in html
    # The block the StreamField's script draws: a tick box for each day.
    hours = PracticeSettings._meta.get_field("opening_hours").stream_block.child_blocks["hours"]
    days = hours.child_blocks["days"].field.widget.render("days", ["Monday"])
    assert days.count('type="checkbox"') == 7
    assert 'value="Monday" checked' in days


def test_ticked_days_save_and_the_hours_stored_before_still_hold(admin_client, demo_site):
    weekdays = [
        {
            "type": "hours",
            "value": {"days": ["Monday", "Tuesday"], "opens": "09:00", "closes": "17:00"},
        }
    ]
    set_practice_details(opening_hours=weekdays)
    site = Site.objects.get(is_default_site=True)
    practice = PracticeSettings.for_site(site)
    assert practice.is_open_at(datetime.datetime(2026, 12, 7, 10, 0))  # a Monday
    assert not practice.is_open_at(datetime.datetime(2026, 12, 9, 10, 0))  # a Wednesday

    url = f"/admin/settings/home/practicesettings/{site.pk}/"
    form = admin_client.get(url).context["form"]
    data = form_data(form)
    data["opening_hours-0-value-days"] = ["Monday", "Wednesday"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors

    practice = PracticeSettings.for_site(site)
    assert list(practice.opening_hours[0].value["days"]) == ["Monday", "Wednesday"]
    assert practice.is_open_at(datetime.datetime(2026, 12, 9, 10, 0))


# -- a deleted block, brought back ------------------------------------------------------------


def test_a_deleted_block_is_put_back_in_a_new_draft_and_the_live_page_is_unchanged(
    admin_client, demo_site
):
    guide = make_guide(
        title="Sciatica",
        body=[heading("What helps"), paragraph("<p>Gentle walks every day.</p>")],
    )
    live_revision = guide.live_revision_id
    edit_url = reverse("wagtailadmin_pages:edit", args=[guide.pk])

    # She deletes the paragraph and saves a draft, as the editor posts it.
    form = admin_client.get(edit_url).context["form"]
    data = page_form_data(form)
    data["body-1-deleted"] = "1"
    response = admin_client.post(edit_url, data)
    assert response.status_code == 302
    draft = BlogPage.objects.get(pk=guide.pk).get_latest_revision_as_object()
    assert [child.block_type for child in draft.body] == ["heading"]

    # The editor leads to the deleted blocks; the paragraph is listed.
    assert reverse("deleted_blocks", args=[guide.pk]) in admin_client.get(edit_url).content.decode()
    listing = admin_client.get(reverse("deleted_blocks", args=[guide.pk]))
    html = listing.content.decode()
    assert "Gentle walks every day." in html
    [deleted] = listing.context["deleted"]
    assert deleted.label == "Text"

    response = admin_client.post(
        reverse("deleted_blocks", args=[guide.pk]), {"block_id": deleted.block_id}
    )
    assert response.status_code == 302 and response["Location"] == edit_url

    guide = BlogPage.objects.get(pk=guide.pk)
    draft = guide.get_latest_revision_as_object()
    assert [child.block_type for child in draft.body] == ["heading", "paragraph"]
    assert draft.body[1].id == deleted.block_id
    assert "Gentle walks every day." in draft.body[1].value.source
    # Never published: the live page is the one published before, with a draft waiting.
    assert guide.live_revision_id == live_revision and guide.has_unpublished_changes
    assert "Gentle walks" in admin_client.get(guide.url).content.decode()
    assert admin_client.get(reverse("deleted_blocks", args=[guide.pk])).context["deleted"] == []


def test_putting_back_a_block_that_is_not_deleted_changes_nothing(admin_client, demo_site):
    guide = make_guide(body=[paragraph("<p>Still here.</p>")])
    revisions = guide.revisions.count()
    block_id = guide.body[0].id
    response = admin_client.post(reverse("deleted_blocks", args=[guide.pk]), {"block_id": block_id})
    assert response.status_code == 302
    assert guide.revisions.count() == revisions


def test_only_editors_see_deleted_blocks(client, demo_site):
    guide = make_guide()
    response = client.get(reverse("deleted_blocks", args=[guide.pk]))
    assert response.status_code in (302, 403)


def test_page_types_without_blocks_offer_no_deleted_blocks(admin_client, demo_site):
    home = HomePage.objects.get()
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).content.decode()
    assert reverse("deleted_blocks", args=[home.pk]) not in html
    assert Page.objects.filter(pk=home.pk).exists()
