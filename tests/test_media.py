import pytest
from wagtail.images.models import Image

pytestmark = pytest.mark.django_db


def test_renditions_are_served_with_a_long_immutable_cache(client, demo_site):
    rendition = Image.objects.first().get_rendition("width-400")
    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_original_uploads_are_served_with_a_short_cache(client, demo_site):
    image = Image.objects.first()
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


def test_media_outside_the_media_folder_is_refused(client, demo_site):
    for url in ("/media/../manage.py", "/media/%2e%2e/manage.py", "/media/images/../../manage.py"):
        assert client.get(url).status_code in (400, 404), url
