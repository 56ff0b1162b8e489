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

Images stored before this rule (a running site updated, an old backup restored) are
cleaned by ``strip_stored_images``: home/migrations/0010 and ``manage.py
strip_image_metadata`` run it. It works through the storage's API only, so it holds on S3.
"""

import io
import os
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import Signal
from django.utils.crypto import get_random_string
from PIL import Image as PillowImage
from PIL import ImageOps, ImageSequence
from wagtail.images import get_image_model
from wagtail.images.models import AbstractRendition
from wagtail.models import UploadedFile
from wagtail.utils.file import hash_filelike

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

# Sent once ``strip_stored_images`` has stored pictures again and deleted their renditions:
# the page cache (caching/) listens, since cached pages link the renditions just deleted.
stored_images_cleaned = Signal()


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


# -- pictures stored before their metadata was removed on upload ----------------------


class MissingFile(Exception):
    """A row names a file its storage does not have: nothing to clean, nothing to lose."""


@dataclass(frozen=True)
class StrippedFile:
    name: str
    size: int
    file_hash: str
    width: int
    height: int


def strip_stored_file(storage, name: str, max_length: int | None = None) -> StrippedFile | None:
    """Store the picture ``name`` again without its metadata, under a new name beside it;
    None when it carries none. The old file is left for the caller to delete once its row
    names the new one, so a failure in between loses nothing. A new name, not the same one
    overwritten: renditions are named after their original, so theirs change too, and no
    cache keeping the old addresses for a year can serve a picture that still had them."""
    try:
        with storage.open(name, "rb") as stored:
            stripped = without_camera_metadata(stored)
    except FileNotFoundError:
        raise MissingFile(name) from None
    if stripped is None:
        return None
    root, extension = os.path.splitext(name)
    fresh = f"{root}_{get_random_string(7)}{extension}"
    new_name = storage.save(fresh, ContentFile(stripped), max_length=max_length)
    with PillowImage.open(io.BytesIO(stripped)) as picture:
        width, height = picture.size
    return StrippedFile(
        name=new_name,
        size=len(stripped),
        file_hash=hash_filelike(io.BytesIO(stripped)),
        width=width,
        height=height,
    )


@dataclass
class Cleaned:
    images: int = 0
    renditions: int = 0
    missing: list[str] = field(default_factory=list)


def strip_stored_images(image_model, rendition_model) -> Cleaned:
    """Every stored original that still carries metadata is stored again without it, and
    its renditions (rows, files and cached entries) are deleted, to be made again from the
    clean original. Takes the models as arguments so a migration can pass its own. Running
    it again changes nothing."""
    cleaned = Cleaned()
    max_length = image_model._meta.get_field("file").max_length
    for image in image_model.objects.order_by("pk").iterator():
        old_name = image.file.name
        try:
            stripped = strip_stored_file(image.file.storage, old_name, max_length)
        except MissingFile:
            cleaned.missing.append(old_name)  # an update must not stop on a lost file
            continue
        if stripped is None:
            continue
        renditions = list(rendition_model.objects.filter(image_id=image.pk))
        # Keys as Wagtail builds them, from the hash the image has until it is updated.
        cache_keys = [
            AbstractRendition.construct_cache_key(image, r.focal_point_key, r.filter_spec)
            for r in renditions
        ]
        changes = {
            "file": stripped.name,
            "file_size": stripped.size,
            "file_hash": stripped.file_hash,
            "width": stripped.width,
            "height": stripped.height,
        }
        if (stripped.width, stripped.height) != (image.width, image.height):
            # Turned upright: a focal point drawn on the sideways picture no longer fits.
            changes.update(focal_point_x=None, focal_point_y=None)
            changes.update(focal_point_width=None, focal_point_height=None)
        with transaction.atomic():
            image_model.objects.filter(pk=image.pk).update(**changes)
            rendition_model.objects.filter(pk__in=[r.pk for r in renditions]).delete()
        image.file.storage.delete(old_name)
        for rendition in renditions:
            rendition.file.storage.delete(rendition.file.name)
        AbstractRendition.cache_backend.delete_many(cache_keys)
        cleaned.images += 1
        cleaned.renditions += len(renditions)
    if cleaned.images:
        stored_images_cleaned.send(sender=image_model, cleaned=cleaned)
    return cleaned
