from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image

from .factories import make_guide, make_image

pytestmark = pytest.mark.django_db


def test_renditions_are_served_with_a_long_immutable_cache(client, demo_site):
    rendition = make_image().get_rendition("width-400")
    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_originals_and_documents_are_not_public(client, demo_site):
    image = make_image()
    assert Path(image.file.path).exists()
    assert client.get(image.file.url).status_code == 404
    document = Document.objects.create(
        title="Aftercare", file=ContentFile(b"%PDF-1.4 aftercare", name="aftercare.pdf")
    )
    assert client.get(document.file.url).status_code == 404
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"%PDF-1.4 aftercare"


def test_media_outside_the_media_folder_is_refused(client, demo_site):
    for url in ("/media/../manage.py", "/media/%2e%2e/manage.py", "/media/images/../../manage.py"):
        assert client.get(url).status_code in (400, 404), url


def _stored_rendition_entries() -> dict[str, int]:
    """Each file of the renditions cache, with its inode: a rewrite makes a new inode."""
    folder = Path(settings.CACHES["renditions"]["LOCATION"])
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
