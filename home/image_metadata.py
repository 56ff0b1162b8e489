"""Uploaded pictures lose their camera metadata before they are stored.

A phone's photo carries where it was taken (GPS), when, and on which device, and Wagtail's
renditions copy that EXIF block into every picture a page shows. So each new upload is
rewritten without EXIF or XMP before its file is first saved: an image uploaded through
the admin's form, and the file the admin's "Add images" holds aside until the therapist
describes it (Wagtail's ``UploadedFile``), from which the image is then made. The picture
is turned upright first, as its EXIF orientation says, since nothing else records which
way up it goes.

Only JPEG, PNG and WebP are rewritten (the formats cameras and phones write EXIF into); a
file without metadata is kept byte for byte. A JPEG is saved again at quality 95: one
generation of loss, which the smaller renditions made from it do not show.
"""

import io

from django.core.files.images import ImageFile
from django.db.models.signals import pre_save
from PIL import Image as PillowImage
from PIL import ImageOps
from wagtail.images import get_image_model
from wagtail.models import UploadedFile

SAVE_OPTIONS = {"JPEG": {"quality": 95}, "PNG": {}, "WEBP": {"quality": 95}}
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp")


def carries_metadata(picture: PillowImage.Image) -> bool:
    return any(picture.info.get(key) for key in METADATA_KEYS) or bool(picture.getexif())


def without_camera_metadata(content) -> bytes | None:
    """The picture's bytes without EXIF and XMP, turned upright; None when there is nothing
    to remove or the file is not a picture of a rewritten format."""
    content.seek(0)
    try:
        with PillowImage.open(content) as picture:
            if picture.format not in SAVE_OPTIONS or not carries_metadata(picture):
                return None
            options = dict(SAVE_OPTIONS[picture.format])
            if icc_profile := picture.info.get("icc_profile"):
                options["icc_profile"] = icc_profile
            upright = ImageOps.exif_transpose(picture)
            upright.info.clear()
            buffer = io.BytesIO()
            upright.save(buffer, picture.format, **options)
            return buffer.getvalue()
    except (OSError, SyntaxError, ValueError):
        return None  # not a picture Pillow reads: Wagtail's own validation has the last word
    finally:
        content.seek(0)


def strip_before_first_save(field_file) -> bool:
    """Swap a file not yet stored for its stripped copy; True when it was swapped."""
    if not field_file or field_file._committed:
        return False
    stripped = without_camera_metadata(field_file.file)
    if stripped is None:
        return False
    field_file.file = ImageFile(io.BytesIO(stripped), name=field_file.name)
    return True


def strip_image(sender, instance, **kwargs):
    if strip_before_first_save(instance.file):
        instance.width, instance.height = instance.file.file.width, instance.file.file.height
        instance._set_image_file_metadata()


def strip_held_upload(sender, instance, **kwargs):
    content_type = instance.for_content_type
    if content_type and content_type.model_class() is get_image_model():
        strip_before_first_save(instance.file)


def connect_signals():
    pre_save.connect(strip_image, sender=get_image_model(), dispatch_uid="strip_image")
    pre_save.connect(strip_held_upload, sender=UploadedFile, dispatch_uid="strip_upload")
