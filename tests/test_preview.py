"""Preview, the revision view and the Checks panel, for every page type.

Preview and the revision view render a page built from the form or from a revision, not
from the database: its relations are then modelcluster's in-memory querysets. The
therapist checks her changes there before publishing, so each page type must render in
both, and the editor's Checks panel, which reads the preview, must load.
"""

import re

import pytest
from django.utils.html import strip_tags
from playwright.sync_api import expect
from wagtail.models import Page

from blog.models import BlogIndexPage, BlogPage
from home.models import HomePage, StandardPage
from services.models import BookingPage, ContactPage, ServiceIndexPage, ServicePage

from .browser_support import new_page, sign_in
from .factories import faq, make_guide, make_service, make_superuser

# The live server needs a transactional database: see tests/browser_support.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PAGE_TYPES = [
    HomePage,
    StandardPage,
    ContactPage,
    ServiceIndexPage,
    ServicePage,
    BookingPage,
    BlogIndexPage,
    BlogPage,
]
PASSWORD = "a-long-passphrase"


def heading_of(page: Page) -> str:
    """What the page's h1 says."""
    return page.hero_heading if isinstance(page, HomePage) else page.title


def logged_in(browser, site_url):
    make_superuser("sarah", PASSWORD)
    tab = new_page(browser)
    sign_in(tab, site_url, "sarah", PASSWORD)
    return tab


def open_preview_panel(tab, site_url, page: Page):
    tab.goto(f"{site_url}/admin/pages/{page.pk}/edit/")
    tab.locator("[data-side-panel-toggle=preview]").click()
    return tab.frame_locator("#w-preview-iframe")


def revision_url(site_url, page: Page) -> str:
    return f"{site_url}/admin/pages/{page.pk}/revisions/{page.latest_revision_id}/view/"


def test_every_page_type_shows_in_preview_and_in_its_revision(browser, site_url):
    tab = logged_in(browser, site_url)

    for model in PAGE_TYPES:
        page = model.objects.order_by("path").first()
        preview = open_preview_panel(tab, site_url, page)
        assert preview.locator("h1").inner_text() == heading_of(page), model
        tab.goto(revision_url(site_url, page))
        assert tab.locator("h1").inner_text() == heading_of(page), model


def test_the_home_page_previews_its_featured_treatments(browser, site_url):
    home = HomePage.objects.get()
    featured = [service.title for service in home.featured_service_pages()]
    assert featured
    tab = logged_in(browser, site_url)
    preview = open_preview_panel(tab, site_url, home)
    expect(preview.locator("#services-heading ~ .card-grid .card__title")).to_have_text(featured)


def test_the_guide_previews_its_treatments_topics_and_questions_as_edited(browser, site_url):
    hot_stones = make_service(title="Hot Stone Massage")
    sports = make_service(title="Sports Massage")
    guide = make_guide(
        related_services=[hot_stones, sports],
        tags=["neck", "back pain"],
        body=[faq(("Does it hurt?", "<p>No.</p>"), ("How long?", "<p>An hour.</p>"))],
    )
    tab = logged_in(browser, site_url)
    preview = open_preview_panel(tab, site_url, guide)
    treatments = preview.locator("#related-services-heading + ul li > a:first-child")
    expect(treatments).to_have_text(["Hot Stone Massage", "Sports Massage"])
    assert preview.locator(".tags a").all_inner_texts() == ["back pain", "neck"]
    assert preview.locator("details.faq__item").count() == 2

    tab.locator("input[name=related_services]").locator("xpath=..").filter(
        has_text="Sports Massage"
    ).locator("input").uncheck()

    # "Preview in new tab" posts the form as it stands, then opens its preview.
    with tab.context.expect_page() as opened:
        tab.locator("[data-w-preview-target=newTab]").click()
    edited = opened.value.locator("#related-services-heading + ul li > a:first-child")
    expect(edited).to_have_text(["Hot Stone Massage"])
    assert guide.related_services.count() == 2  # nothing saved


def test_a_guide_without_treatments_topics_or_questions_previews_without_those_sections(
    browser, site_url
):
    guide = make_guide(title="Sleeping well with back pain", intro="Pillows and positions.")
    tab = logged_in(browser, site_url)
    preview = open_preview_panel(tab, site_url, guide)
    assert preview.locator("h1").inner_text() == guide.title
    assert preview.locator("#related-services-heading, .tags, .faq").count() == 0
    tab.goto(revision_url(site_url, guide))
    assert tab.locator("h1").inner_text() == guide.title


def test_the_contact_page_previews_its_thank_you_page_too(browser, site_url):
    contact = ContactPage.objects.get()
    tab = logged_in(browser, site_url)
    preview = open_preview_panel(tab, site_url, contact)
    assert preview.locator("h1").inner_text() == contact.title
    tab.select_option("#id_preview_mode", "landing")
    expect(preview.locator("h1")).to_have_text("Thank you")
    assert strip_tags(contact.thank_you_text) in preview.locator("main").inner_text()
    tab.goto(revision_url(site_url, contact) + "?mode=landing")
    assert tab.locator("h1").inner_text() == "Thank you"


def test_the_checks_panel_counts_the_words_of_the_guide_as_previewed(browser, site_url):
    words = " ".join(["stretch"] * 600)
    guide = make_guide(body=[{"type": "paragraph", "value": f"<p>{words}</p>"}])
    tab = logged_in(browser, site_url)
    tab.goto(f"{site_url}/admin/pages/{guide.pk}/edit/")
    tab.locator("[data-side-panel-toggle=checks]").click()
    # Wagtail counts the words of the rendered preview: a number only when it rendered.
    expect(tab.locator("[data-content-word-count]")).to_have_text(re.compile(r"^\d[\d,]*$"))
    assert int(tab.locator("[data-content-word-count]").inner_text().replace(",", "")) > 500


def test_a_new_guide_previews_before_it_is_first_saved(browser, site_url):
    blog_index = BlogIndexPage.objects.get()
    tab = logged_in(browser, site_url)
    tab.goto(f"{site_url}/admin/pages/add/blog/blogpage/{blog_index.pk}/")
    tab.locator("#id_title").fill("Easing a stiff neck")
    tab.locator("#id_intro").fill("Three stretches for the morning.")
    tab.locator("#id_date").fill("2026-12-01")
    first_treatment = tab.locator("input[name=related_services]").first
    first_treatment.check()
    chosen = first_treatment.locator("xpath=..").inner_text().strip()
    tab.locator("[data-side-panel-toggle=preview]").click()
    preview = tab.frame_locator("#w-preview-iframe")
    expect(preview.locator("h1")).to_have_text("Easing a stiff neck")
    expect(preview.locator("#related-services-heading + ul li > a:first-child")).to_have_text(
        [chosen]
    )
