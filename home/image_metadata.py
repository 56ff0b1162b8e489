"""Uploaded pictures lose their camera metadata before they are stored.

A phone's photo carries where it was taken (GPS), when, and on which device, and Wagtail's
renditions copy that EXIF block into every picture a page shows. So each new upload is
rewritten without EXIF or XMP before its file is first saved: an image uploaded through
the admin's form, and the file the admin's "Add images" holds aside until the therapist
describes it (Wagtail's ``UploadedFile``), from which the image is then made. The picture
is turned upright first, as its EXIF orientation says, since nothing else records which
way up it goes.

Every format the site accepts (WAGTAILIMAGES_EXTENSIONS, Wagtail's default: AVIF, GIF,
JPEG, PNG, WebP) is rewritten, and HEIC too should it be turned on; a test fails when an
accepted format has no rule here. A file is rewritten when it carries anything beyond what
drawing it needs (``DRAWING_INFO``): EXIF, XMP, IPTC, comments, PNG text chunks. A file
without metadata is kept byte for byte. A lossy format is saved again at quality 95 (AVIF
and HEIC 90): one generation of loss, which the smaller renditions made from it do not show.
An animated GIF or WebP keeps every frame. Removal must happen here: Willow copies an
original's EXIF into its JPEG and PNG renditions.
"""

import io

from django.core.files.images import ImageFile
from django.db.models.signals import pre_save
from PIL import Image as PillowImage
from PIL import ImageOps, ImageSequence
from wagtail.images import get_image_model
from wagtail.models import UploadedFile

# Pillow's format name: how it is saved again. ``save_all`` keeps an animation's frames.
SAVE_OPTIONS = {
    "JPEG": {"quality": 95},
    "PNG": {},
    "WEBP": {"quality": 95, "save_all": True},
    "GIF": {"save_all": True},
    "AVIF": {"quality": 90, "speed": 8},
    "HEIF": {"quality": 90},
}
# What Pillow reads into ``info`` that only says how to draw the picture; anything else
# (exif, xmp, photoshop/IPTC, comment, a PNG's text chunks, ...) is metadata.
DRAWING_INFO = {
    "icc_profile", "dpi", "gamma", "srgb", "chromaticity", "transparency", "background",
    "duration", "loop", "disposal", "blend", "timestamp", "version", "extension",
    "interlace", "progressive", "progression", "jfif", "jfif_version", "jfif_unit",
    "jfif_density", "adobe", "adobe_transform", "aspect", "bit_depth", "bits",
    "compression", "optimize", "default_image", "primary", "original_orientation",
}  # fmt: skip
# Carried over to the rewritten file: its colours, an animation's looping, transparency.
KEPT_INFO = ("icc_profile", "loop", "transparency")


def carries_metadata(picture: PillowImage.Image) -> bool:
    present = {key for key, value in picture.info.items() if value not in (None, b"", "", [])}
    return bool(present - DRAWING_INFO) or bool(picture.getexif())


def without_camera_metadata(content) -> bytes | None:
    """The picture's bytes without its metadata, turned upright; None when there is
    nothing to remove or the file is not a picture of a rewritten format."""
    content.seek(0)
    try:
        with PillowImage.open(content) as picture:
            if picture.format not in SAVE_OPTIONS or not carries_metadata(picture):
                return None
            options = dict(SAVE_OPTIONS[picture.format])
            for key in KEPT_INFO:
                if picture.info.get(key) not in (None, b""):
                    options[key] = picture.info[key]
            if getattr(picture, "n_frames", 1) > 1 and options.get("save_all"):
                return _rewritten_frames(picture, options)
            picture.load()
            # In place: one decoded copy of the picture, two only while it is turned.
            ImageOps.exif_transpose(picture, in_place=True)
            picture.info.clear()
            picture.getexif().clear()  # pillow_heif writes the EXIF Pillow has read, too
            buffer = io.BytesIO()
            picture.save(buffer, picture.format, **{**options, "save_all": False})
            return buffer.getvalue()
    except (OSError, SyntaxError, ValueError):
        return None  # not a picture Pillow reads: Wagtail's own validation has the last word
    finally:
        content.seek(0)


def _rewritten_frames(picture: PillowImage.Image, options: dict) -> bytes:
    """An animation saved again frame by frame, each with its own duration."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(picture):
        durations.append(frame.info.get("duration", options.get("duration", 100)))
        copy = frame.copy()
        copy.info.clear()
        frames.append(copy)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        picture.format,
        **{**options, "append_images": frames[1:], "duration": durations},
    )
    return buffer.getvalue()


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
