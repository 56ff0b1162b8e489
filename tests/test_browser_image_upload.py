"""The therapist uploads a decompression bomb (a 48 KB PNG of 20000 × 20000) in the admin,
in Chromium: the upload form says what is wrong, and nothing is stored."""

import re

import pytest
from django.conf import settings
from wagtail.images.models import Image
from wagtail.models import UploadedFile

from home.images import TOO_MANY_PIXELS

from .browser_support import new_page, sign_in
from .factories import make_superuser
from .pictures import blank_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PASSWORD = "a-long-passphrase"
MESSAGE = TOO_MANY_PIXELS % {"max_pixels": f"{settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS:,}"}


def test_the_therapist_uploading_a_bomb_sees_the_forms_error(browser, site_url):
    make_superuser("therapist", password=PASSWORD)
    bomb = {"name": "holiday.png", "mimeType": "image/png", "buffer": blank_png(20000, 20000)}
    page = new_page(browser)
    sign_in(page, site_url, "therapist", PASSWORD)

    # Images → "Add an image": the page that takes several files at once.
    page.goto(site_url + "/admin/images/")
    page.get_by_role("link", name=re.compile("Add an image")).first.click()
    page.wait_for_url(re.compile(r"/admin/images/multiple/add/$"))
    page.locator("#fileupload").set_input_files(bomb)
    item = page.locator("#upload-list > li.upload-complete")
    item.wait_for(timeout=60_000)
    assert "upload-failure" in item.get_attribute("class"), item.inner_text()
    assert MESSAGE in item.locator(".error_messages").inner_text(), item.inner_text()

    # The form for one image, with its title and description.
    page.goto(site_url + "/admin/images/add/")
    page.get_by_label("Title").fill("Holiday")
    page.get_by_label("Description (alt text)").fill("A beach")
    page.locator("input[type=file][name=file]").set_input_files(bomb)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert page.get_by_text(MESSAGE).is_visible()
    assert not Image.objects.filter(title="Holiday").exists()
    assert not UploadedFile.objects.exists()
