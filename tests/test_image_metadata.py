"""A phone's photo loses its location, time and device before it is stored, however it is
uploaded, and stays the right way up; a picture without metadata is stored unchanged."""

from io import BytesIO

import pytest
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from PIL import TiffImagePlugin
from wagtail.images.models import Image

from .factories import make_superuser

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
ROTATED_90_CLOCKWISE = 6


def phone_photo(width=400, height=300, fmt="JPEG") -> bytes:
    """A picture stored sideways, as phones store them, with GPS, maker and orientation."""
    picture = PillowImage.new("RGB", (width, height), (143, 176, 152))
    picture.paste((20, 30, 40), (0, 0, 40, 40))  # a dark corner, to tell which way is up
    exif = picture.getexif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = ROTATED_90_CLOCKWISE
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (TiffImagePlugin.IFDRational(51), TiffImagePlugin.IFDRational(30), 0),
            3: "W",
            4: (0, TiffImagePlugin.IFDRational(7), 0),
        }
    )
    buffer = BytesIO()
    picture.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


def stored_metadata(field_file) -> dict:
    field_file.open("rb")
    try:
        with PillowImage.open(field_file) as picture:
            return {
                "exif": dict(picture.getexif()),
                "gps": dict(picture.getexif().get_ifd(GPS_IFD)),
                "size": picture.size,
            }
    finally:
        field_file.close()


def test_the_sample_photo_really_carries_gps_and_a_sideways_orientation():
    with PillowImage.open(BytesIO(phone_photo())) as picture:
        assert picture.getexif()[ORIENTATION] == ROTATED_90_CLOCKWISE
        assert picture.getexif().get_ifd(GPS_IFD)[1] == "N"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_image_saved_in_code_is_stored_without_metadata_and_upright(fmt):
    image = Image(
        title="Couch",
        description="A couch",
        file=ImageFile(BytesIO(phone_photo(fmt=fmt)), name=f"couch.{fmt.lower()}"),
    )
    image.save()
    stored = stored_metadata(image.file)
    assert stored["exif"] == {} and stored["gps"] == {}
    assert stored["size"] == (300, 400)
    assert (image.width, image.height) == (300, 400)
    assert image.file_size == image.file.size
    rendition = image.get_rendition("width-200")
    assert stored_metadata(rendition.file)["gps"] == {}


def test_a_picture_without_metadata_is_stored_byte_for_byte():
    buffer = BytesIO()
    PillowImage.new("RGB", (200, 100), (1, 2, 3)).save(buffer, "JPEG")
    image = Image(title="Plain", file=ImageFile(BytesIO(buffer.getvalue()), name="plain.jpg"))
    image.save()
    image.file.open("rb")
    assert image.file.read() == buffer.getvalue()
    image.file.close()


def test_the_admin_add_images_page_stores_the_photo_without_its_location(client, demo_site):
    """The admin's "Add images": the upload is held aside until it is described."""
    client.force_login(make_superuser())
    upload = SimpleUploadedFile("IMG_2041.jpg", phone_photo(), content_type="image/jpeg")
    held = client.post("/admin/images/multiple/add/", {"files[]": upload}).json()
    prefix = f"uploaded-image-{held['uploaded_file_id']}"
    stored = client.post(
        f"/admin/images/multiple/create_from_uploaded_image/{held['uploaded_file_id']}/",
        {f"{prefix}-title": "Couch", f"{prefix}-description": "A couch by a window"},
    ).json()
    assert stored["success"]
    image = Image.objects.get(title="Couch")
    metadata = stored_metadata(image.file)
    assert metadata["gps"] == {} and MAKE not in metadata["exif"]
    assert (image.width, image.height) == metadata["size"] == (300, 400)


def test_the_single_upload_form_stores_the_photo_without_its_location(client, demo_site):
    client.force_login(make_superuser())
    upload = SimpleUploadedFile("IMG_2042.jpg", phone_photo(), content_type="image/jpeg")
    response = client.post(
        "/admin/images/add/",
        {"title": "Window", "file": upload, "description": "Light through a window"},
    )
    assert response.status_code == 302
    image = Image.objects.get(title="Window")
    assert stored_metadata(image.file)["gps"] == {}
    assert image.file_size == image.file.size
