"""The therapist adds a picture to a guide on a site whose media live in a bucket, in Chromium.

gunicorn runs with DJANGO_MEDIA_STORAGE=s3 against moto in server mode on loopback. Skipped on
a machine without /usr/bin/chromium, unless CI is set: there it fails instead.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image as PillowImage

from .browser_support import new_page, sign_in
from .factories import make_guide, make_superuser, paragraph
from .s3_server import BUCKET, bucket_keys, create_media_bucket, moto_server, s3_media_env
from .s3_server import upload_folder as upload_demo_media
from .servers import database_url_for_other_processes, free_port, gunicorn, manage
from .test_media_s3 import fetch, files_under

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

LAPTOP = {"width": 1366, "height": 768}
PICTURE_TITLE = "Calf stretch after a run"


def a_photo(path: Path) -> Path:
    """A JPEG as a camera would give one: large enough for every size the pages show."""
    PillowImage.new("RGB", (1600, 1000), (176, 143, 152)).save(path, "JPEG")
    return path


def test_a_picture_uploaded_in_the_admin_is_served_from_the_bucket_and_its_original_is_not(
    browser, demo_site, tmp_path
):
    make_superuser("sarah", "a-long-passphrase")
    guide = make_guide(
        title="Stretching after a run", body=[paragraph("<p>Three stretches for the calves.</p>")]
    )
    local_media = tmp_path / "media"
    local_media.mkdir()

    with moto_server(tmp_path / "moto.log") as moto:
        create_media_bucket(moto.endpoint)
        upload_demo_media(moto.endpoint, Path(settings.MEDIA_ROOT))
        keys_before = bucket_keys(moto.endpoint)
        public_url = f"{moto.endpoint}/{BUCKET}/"
        env = {
            **os.environ,
            **s3_media_env(moto.endpoint),
            "DJANGO_SETTINGS_MODULE": "practice.settings.test",
            "DATABASE_URL": database_url_for_other_processes(tmp_path),
            "DJANGO_MEDIA_ROOT": str(local_media),
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
            "PAGE_CACHE_ENABLED": "1",
        }
        manage(env, "collectstatic", "--noinput")
        log = tmp_path / "gunicorn.log"
        try:
            with gunicorn(env, free_port(), log) as base_url:
                page = new_page(browser, viewport=LAPTOP)
                sign_in(page, base_url, "sarah", "a-long-passphrase")

                # Images → Add an image.
                page.goto(base_url + "/admin/images/add/")
                page.locator("#id_title").fill(PICTURE_TITLE)
                page.locator("#id_file").set_input_files(
                    str(a_photo(tmp_path / "calf-stretch.jpg"))
                )
                page.locator("#id_description").fill("A runner stretching her calf on a step")
                page.get_by_role("button", name="Upload").click()
                page.locator(".messages .success").first.wait_for()

                # The guide: choose the picture as its hero, and publish.
                page.goto(f"{base_url}/admin/pages/{guide.pk}/edit/")
                page.locator(
                    "#id_hero_image-chooser button[data-chooser-action-choose]"
                ).first.click()
                page.locator(
                    ".modal [data-chooser-modal-choice]", has_text=PICTURE_TITLE
                ).first.click()
                page.wait_for_function(
                    "() => document.querySelector('#id_hero_image').value !== ''"
                )
                page.locator("footer button[data-w-dropdown-target=toggle]").click()
                page.locator("button[name=action-publish]").click()
                page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
                assert "published" in page.locator(".messages .success").first.inner_text()

                # A visitor sees the picture, loaded from the bucket's public address.
                visitor = new_page(browser, viewport=LAPTOP)
                visitor.goto(base_url + guide.url)
                hero = visitor.locator("main picture img").first
                hero.wait_for()
                visitor.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=hero.element_handle()
                )
                shown = hero.evaluate("img => img.currentSrc")
                assert shown.startswith(public_url + "images/calf-stretch"), shown
                status, headers, body = fetch(shown)
                assert status == 200 and headers["Content-Type"].startswith("image/") and body

                # The original is in the bucket, and nobody may fetch it from there.
                (original,) = {
                    key
                    for key in bucket_keys(moto.endpoint) - keys_before
                    if key.startswith("original_images/")
                }
                assert fetch(public_url + original)[0] == 403
        finally:
            print(log.read_text()[-3000:])  # noqa: T201 - shown on failure

    assert files_under(local_media) == []
