"""The therapist writes a guide in Chromium on a laptop: a claim word is flagged as she
types, the Promote tab counts her characters, and the warnings never stop a publish.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
"""

import re

import pytest

from blog.models import BlogPage

from .browser_support import new_page, sign_in
from .factories import make_guide, make_superuser, paragraph

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

LAPTOP = {"width": 1366, "height": 768}


def test_a_claim_word_is_flagged_as_she_types_and_the_promote_tab_counts(browser, site_url):
    make_superuser("sarah", "a-long-passphrase")
    guide = make_guide(
        title="Sciatica and massage",
        intro="Many clients find massage eases it.",
        body=[paragraph("<p>Walk a little every day.</p>")],
    )

    page = new_page(browser, viewport=LAPTOP)
    errors: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"),
    )
    sign_in(page, site_url, "sarah", "a-long-passphrase")

    page.goto(f"{site_url}/admin/pages/{guide.pk}/edit/")
    checks = page.locator("[data-writing-checks-results]")
    assert checks.is_visible()
    assert checks.locator("[data-check=claim-words]").count() == 0

    # She types a claim: the warning appears, with what to say instead, without a save.
    page.locator("#id_intro").fill("Relief is guaranteed after one session.")
    claim = checks.locator("[data-check=claim-words]")
    claim.wait_for(state="visible")
    assert "“guaranteed” reads as a medical claim" in claim.inner_text()
    assert "may help" in claim.inner_text()

    # The Promote tab counts the search title and description as she types.
    page.get_by_role("tab", name="Promote").click()
    description = page.locator("#id_search_description")
    counter = page.locator("[data-counter-for=search_description]")
    assert counter.is_visible()
    assert counter.inner_text().startswith("0 characters")
    description.fill("Sciatica eased: " + "gentle massage and simple stretches, " * 5)
    typed = len(description.input_value().strip())
    assert typed > 160
    assert counter.inner_text() == f"{typed} characters (search results show about 160): too long"
    description.fill("How massage and gentle stretches ease sciatica.")
    assert counter.inner_text().startswith("47 characters")
    seo_counter = page.locator("[data-counter-for=seo_title]")
    page.locator("#id_seo_title").fill("Sciatica and massage")
    assert seo_counter.inner_text().startswith("20 characters")

    # Warnings, never blocks: she publishes with the claim still there.
    page.locator("footer button[data-w-dropdown-target=toggle]").click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    guide = BlogPage.objects.get(pk=guide.pk)
    assert guide.live and guide.intro == "Relief is guaranteed after one session."
    assert not guide.has_unpublished_changes
    assert not errors, errors
