from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, CollectionViewRestriction

from .factories import make_guide, make_image, make_staff_user
from .media_spellings import hostile_spellings, refused

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


STAFF_ONLY_PDF = b"%PDF-1.4 staff rota"


def staff_only_document() -> Document:
    """A document in a collection only signed-in people may read."""
    staff_only = Collection.get_first_root_node().add_child(name="Staff only")
    CollectionViewRestriction.objects.create(
        collection=staff_only, restriction_type=CollectionViewRestriction.LOGIN
    )
    return Document.objects.create(
        title="Rota",
        collection=staff_only,
        file=ContentFile(STAFF_ONLY_PDF, name="rota.pdf"),
    )


@pytest.fixture
def private_files(demo_site):
    """Stored names of files that are not renditions, with their bytes; and a rendition."""
    image = make_image()
    rendition = image.get_rendition("width-400")
    document = staff_only_document()
    public_document = Document.objects.create(
        title="Aftercare", file=ContentFile(b"%PDF-1.4 aftercare", name="aftercare.pdf")
    )
    private = {
        stored.name: Path(stored.path).read_bytes()
        for stored in (image.file, document.file, public_document.file)
    }
    return private, rendition, document


def test_no_spelling_of_a_private_file_under_media_is_served(client, private_files):
    private, rendition, _ = private_files
    served = client.get(rendition.url)
    assert served.status_code == 200, "the renditions themselves are served"
    for stored_name, content in private.items():
        for attempt, spelling in hostile_spellings(stored_name).items():
            response = client.get("/media/" + spelling)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert refused(response.status_code, response.get("Cache-Control")), (
                attempt,
                spelling,
                response.status_code,
            )
            assert content not in body, (attempt, spelling)


def test_a_staff_only_document_is_served_only_to_someone_signed_in(client, private_files):
    _, _, document = private_files
    anonymous = client.get(document.url)
    assert anonymous.status_code == 302
    assert "/_util/login/" in anonymous["Location"]

    client.force_login(make_staff_user())
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == STAFF_ONLY_PDF


def test_a_rendition_spelled_any_other_way_is_refused_not_cached(client, private_files):
    """Only the plain address of a rendition answers; other spellings of it are 404s."""
    _, rendition, _ = private_files
    name = Path(rendition.file.name).name
    for spelling in (f"images/./{name}", f"images//{name}", f"images/../images/{name}"):
        response = client.get("/media/" + spelling)
        assert response.status_code == 404, spelling
        assert "public" not in response.get("Cache-Control", "")


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
