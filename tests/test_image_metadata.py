"""A phone's photo loses its location, time and device before it is stored, however it is
uploaded, and stays the right way up; a picture without metadata is stored unchanged."""

from io import BytesIO

import pytest
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from PIL import ImageSequence, PngImagePlugin, TiffImagePlugin
from wagtail.images.models import Image
from wagtail.images.utils import get_allowed_image_extensions

from home.image_metadata import SAVE_OPTIONS
from home.models import OG_IMAGE_FILTER

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


# -- every format the site accepts ------------------------------------------------------------

MARKER = b"PhoneMaker"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="51,30.0N" exif:Make="PhoneMaker"/></rdf:RDF></x:xmpmeta>'
)
PILLOW_FORMATS = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "avif": "AVIF",
    "heic": "HEIF",
}
RENDITION_SPECS = [
    "format-jpeg|width-200",
    "format-webp|width-200",
    "format-avif|width-200",
    "format-png|width-200",
    OG_IMAGE_FILTER,
]


def photo_with_location(fmt: str) -> bytes:
    """A photo in ``fmt`` with GPS, maker and orientation in its EXIF, and XMP where the
    format carries it; a GIF, which has neither, carries them in a comment."""
    picture = PillowImage.open(BytesIO(phone_photo()))
    exif = picture.getexif()
    buffer = BytesIO()
    if fmt == "GIF":
        picture.save(buffer, fmt, comment=b"PhoneMaker GPS 51.5N 0.12W")
    elif fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_itxt("XML:com.adobe.xmp", XMP.decode())
        picture.save(buffer, fmt, exif=exif, pnginfo=text)
    else:
        picture.save(buffer, fmt, exif=exif, xmp=XMP)
    return buffer.getvalue()


def assert_no_metadata(field_file, what: str) -> None:
    field_file.open("rb")
    try:
        content = field_file.read()
    finally:
        field_file.close()
    with PillowImage.open(BytesIO(content)) as picture:
        assert dict(picture.getexif()) == {}, what
        present = {key for key, value in picture.info.items() if value}
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & present, what
    assert MARKER not in content and b"GPSLatitude" not in content, what


def test_every_accepted_format_has_a_rewrite_rule():
    """Turning on a format (WAGTAILIMAGES_EXTENSIONS) that the metadata removal does not
    rewrite fails here, before it can store a phone's location."""
    accepted = get_allowed_image_extensions()
    assert {"avif", "gif", "jpeg", "png", "webp"} <= set(accepted)
    for extension in [*accepted, "heic"]:
        assert PILLOW_FORMATS[extension] in SAVE_OPTIONS, extension


@pytest.mark.parametrize("extension", ["jpg", "png", "gif", "webp", "avif", "heic"])
def test_an_upload_in_any_accepted_format_keeps_no_metadata_nor_do_its_renditions(
    client, demo_site, settings, extension
):
    fmt = PILLOW_FORMATS[extension]
    if extension not in get_allowed_image_extensions():
        settings.WAGTAILIMAGES_EXTENSIONS = [*get_allowed_image_extensions(), extension]
    photo = photo_with_location(fmt)
    assert MARKER in photo
    client.force_login(make_superuser())
    response = client.post(
        "/admin/images/add/",
        {
            "title": f"Photo {extension}",
            "description": "A couch by a window",
            "file": SimpleUploadedFile(f"IMG_2043.{extension}", photo),
        },
    )
    assert response.status_code == 302, response.content[-2000:]
    image = Image.objects.get(title=f"Photo {extension}")
    assert_no_metadata(image.file, f"the stored {extension} original")
    for spec, rendition in image.get_renditions(*RENDITION_SPECS).items():
        assert_no_metadata(rendition.file, f"{spec} of a {extension}")


def test_an_animated_gif_keeps_its_frames_without_its_comment():
    frames = [
        PillowImage.new("RGB", (40, 30), colour)
        for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200))
    ]
    buffer = BytesIO()
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300],
        loop=0, comment=b"PhoneMaker GPS",
    )  # fmt: skip
    with PillowImage.open(BytesIO(buffer.getvalue())) as sent:
        assert (sent.n_frames, sent.info["comment"]) == (3, b"PhoneMaker GPS")
    image = Image(title="Moving", file=ImageFile(BytesIO(buffer.getvalue()), name="moving.gif"))
    image.save()
    assert_no_metadata(image.file, "the animated gif")
    image.file.open("rb")
    with PillowImage.open(image.file) as stored:
        assert stored.n_frames == 3
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(stored)]
        assert durations == [100, 200, 300]
        assert stored.info["loop"] == 0
    image.file.close()
