from pathlib import Path

import pytest
from django.core.cache import caches
from wagtail.images.models import Image

from .factories import make_guide, make_image

pytestmark = pytest.mark.django_db


def test_renditions_are_served_with_a_long_immutable_cache(client, demo_site):
    rendition = make_image().get_rendition("width-400")
    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_original_uploads_are_served_with_a_short_cache(client, demo_site):
    image = make_image()
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


def test_media_outside_the_media_folder_is_refused(client, demo_site):
    for url in ("/media/../manage.py", "/media/%2e%2e/manage.py", "/media/images/../../manage.py"):
        assert client.get(url).status_code in (400, 404), url


def _stored_rendition_entries() -> dict[str, int]:
    """Each file of the renditions cache, with its inode: a rewrite makes a new inode."""
    folder = Path(caches["renditions"]._dir)
    return {path.name: path.stat().st_ino for path in folder.glob("*.djcache")}


def test_rendering_a_page_again_writes_nothing_to_the_renditions_cache(client, demo_site):
    guide = make_guide(hero_image=make_image())
    caches["renditions"].clear()
    client.get(guide.url)
    written = _stored_rendition_entries()
    assert written, "the first render stores the renditions it looked up"

    client.get(guide.url)

    assert _stored_rendition_entries() == written


def test_a_rendition_read_from_the_cache_is_the_stored_one(demo_site):
    image = make_image()
    caches["renditions"].clear()
    made = image.get_renditions("width-400")["width-400"]

    read_back = Image.objects.get(pk=image.pk).get_renditions("width-400")["width-400"]

    assert read_back.pk == made.pk
    assert read_back.url == made.url
