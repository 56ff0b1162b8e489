"""A picture with too many pixels, a decompression bomb (a small file of a huge picture)
above all, gets the upload form's own error in both of the admin's upload views, stores
nothing, and no upload the form accepts takes a worker near a gigabyte."""

import json
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import UploadedFile

from home.images import TOO_MANY_PIXELS

from .factories import make_superuser
from .pictures import blank_png, huge_gif
from .servers import database_url_for_other_processes, run_in_site_process

pytestmark = [
    pytest.mark.django_db,
    # Pillow warns about a picture over the limit before Wagtail's check refuses it.
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
]

LIMIT = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
BOMB_MESSAGE = TOO_MANY_PIXELS % {"max_pixels": f"{LIMIT:,}"}
WAGTAIL_MESSAGE = "This file has too many pixels"

# name, bytes, the message the form answers with
TOO_BIG = [
    ("bomb.png", lambda: blank_png(20000, 20000), BOMB_MESSAGE),
    ("bomb.gif", lambda: huge_gif(20000, 20000), BOMB_MESSAGE),
    # Over the limit, under twice it: Pillow only warns, and Wagtail's own check answers.
    ("wide.png", lambda: blank_png(6000, 4500), WAGTAIL_MESSAGE),
]


def test_the_bomb_is_small_and_claims_a_huge_picture():
    bomb = blank_png(20000, 20000)
    assert len(bomb) < 64 * 1024
    assert 20000 * 20000 > 2 * PillowImage.MAX_IMAGE_PIXELS
    assert PillowImage.MAX_IMAGE_PIXELS == LIMIT


def stored_nothing(media_before: set) -> bool:
    return (
        not Image.objects.filter(title="Too big").exists()
        and not UploadedFile.objects.exists()
        and media_files() == media_before
    )


def media_files() -> set:
    return {path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


@pytest.mark.parametrize(("name", "content", "message"), TOO_BIG, ids=[row[0] for row in TOO_BIG])
def test_the_upload_form_answers_a_picture_too_big_with_its_error(
    client, demo_site, name, content, message
):
    client.force_login(make_superuser())
    before = media_files()
    response = client.post(
        "/admin/images/add/",
        {
            "title": "Too big",
            "description": "A picture",
            "file": SimpleUploadedFile(name, content()),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored_nothing(before)


@pytest.mark.parametrize(("name", "content", "message"), TOO_BIG, ids=[row[0] for row in TOO_BIG])
def test_the_multiple_upload_answers_a_picture_too_big_with_its_error(
    client, demo_site, name, content, message
):
    client.force_login(make_superuser())
    before = media_files()
    response = client.post(
        "/admin/images/multiple/add/", {"files[]": SimpleUploadedFile(name, content())}
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False
    assert message in answer["error_message"]
    assert stored_nothing(before)


UPLOAD_THE_LARGEST_ACCEPTED_PICTURE = """
import json, resource
from pathlib import Path
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from wagtail.images.models import Image
from home.images import prerender_renditions

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

content = Path({path!r}).read_bytes()
before = peak()
user = get_user_model().objects.create_superuser("uploader", "u@example.com", "a-long-passphrase")
client = Client()
client.force_login(user)
response = client.post("/admin/images/add/", {{
    "title": "Largest", "description": "A picture", "file": SimpleUploadedFile("big.png", content)}})
uploaded = peak()
image = Image.objects.get(title="Largest")
made = prerender_renditions(Image.objects.filter(pk=image.pk))
print(json.dumps({{"status": response.status_code, "size": [image.width, image.height],
                  "renditions": made, "before_kib": before, "upload_kib": uploaded,
                  "peak_kib": peak()}}))
"""


def sideways_photo_png(path, width: int, height: int) -> None:
    """A PNG turned sideways by its EXIF, so removing the metadata rewrites every pixel."""
    picture = PillowImage.new("RGB", (width, height), (143, 176, 152))
    exif = picture.getexif()
    exif[0x0112] = 6
    picture.save(path, "PNG", exif=exif)


@pytest.mark.django_db(transaction=True)
def test_the_largest_accepted_upload_adds_less_than_half_a_gigabyte_to_a_worker(
    demo_site, tmp_path
):
    """In a process of its own: the admin's form takes a picture just under the limit,
    removes its metadata, and every rendition the pages use is made from it."""
    width, height = 5660, 4240
    assert width * height <= LIMIT < width * height * 1.01
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": database_url_for_other_processes(tmp_path),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
    }
    picture = tmp_path / "big.png"
    sideways_photo_png(picture, width, height)
    measured = json.loads(
        run_in_site_process(env, UPLOAD_THE_LARGEST_ACCEPTED_PICTURE.format(path=str(picture)), 600)
    )
    print(measured)  # noqa: T201 - the numbers, for the report
    assert measured["status"] == 302
    assert measured["size"] == [height, width]  # stored upright
    assert measured["renditions"] > 10
    assert measured["peak_kib"] - measured["before_kib"] < 512 * 1024
