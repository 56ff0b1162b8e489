"""The therapist turns her Word document into a live guide, in Chromium on a laptop.

Skipped on a machine without /usr/bin/chromium, unless CI is set: there they fail instead.
"""

import re

import pytest

from blog.models import BlogIndexPage, BlogPage

from .browser_support import new_page, sign_in
from .factories import make_superuser
from .guide_documents import WORD_QUESTIONS, WORD_TITLE, WORD_WARNING, word_guide

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

LAPTOP = {"width": 1366, "height": 768}


def test_therapist_uploads_a_word_guide_reviews_the_draft_and_publishes_it(
    browser, site_url, tmp_path
):
    make_superuser("sarah", "a-long-passphrase")
    document = tmp_path / "tension-headaches.docx"
    word_guide(document)
    index = BlogIndexPage.objects.get()

    page = new_page(browser, viewport=LAPTOP)
    errors: list[str] = []  # a CSP violation among them
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"),
    )
    sign_in(page, site_url, "sarah", "a-long-passphrase")

    # Pages → the guides index: "Import a guide" is among its actions.
    page.goto(f"{site_url}/admin/pages/{index.pk}/")
    page.locator(
        "header [data-controller=w-dropdown] button[data-w-dropdown-target=toggle]"
    ).first.click()
    page.get_by_role("link", name="Import a guide").click()
    page.wait_for_url(re.compile(r"/admin/guides/import/"))

    page.locator("#id_document").set_input_files(str(document))
    page.get_by_role("button", name="Import as a draft").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/$"))
    message = page.locator(".messages .success").inner_text()
    assert "is a draft" in message and f"{len(WORD_QUESTIONS)} questions" in message
    assert page.locator("#id_title").input_value() == WORD_TITLE

    guide = BlogPage.objects.get(title=WORD_TITLE)
    assert not guide.live

    page.locator("footer button[data-w-dropdown-target=toggle]").click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    assert page.locator(".messages .success").first.is_visible()

    guide.refresh_from_db()
    assert guide.live
    page.goto(site_url + guide.url)
    assert page.locator("h1").inner_text() == WORD_TITLE
    assert WORD_WARNING in page.locator("main").inner_text()
    for question, answers in WORD_QUESTIONS:
        item = page.locator("details.faq__item", has_text=question)
        item.locator("summary").click()
        for answer in answers:
            assert answer in item.inner_text()
    assert not errors, errors
