"""Pictures: the upload form's one rule, and the one table of the sizes pictures show at.

Every picture's alt text is its image's description, or nothing when a page marks the
picture decorative; so the image form requires a description (WAGTAILIMAGES_IMAGE_FORM_BASE).
Its file field refuses a picture of more than WAGTAILIMAGES_MAX_IMAGE_PIXELS with the form's
own error, a decompression bomb (a small file of a huge picture) included, and Pillow itself
is held to the same limit (``limit_pillow``), so no path decodes a bigger picture.

Templates name a size from ``PICTURE_SIZES`` (``{% sized_picture image "card" ... %}``,
home/templatetags/practice_tags.py) and never a filter spec, so the renditions made ahead
of time (``prerender_renditions``) are the ones the pages ask for.
"""

from dataclasses import dataclass
from itertools import product

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PillowImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm
from wagtail.images.models import Image

from .models import OG_IMAGE_FILTER

DESCRIPTION_HELP = (
    "Read aloud to people who cannot see the picture, and shown when it cannot load: "
    "this is its alt text. Say what it shows that matters, e.g. “Hands easing the muscles "
    "of a lower back”. Not the file name."
)


TOO_MANY_PIXELS = (
    "This picture is far too large to process: it has more than %(max_pixels)s pixels. "
    "Save it smaller (a few thousand pixels across is plenty) and upload it again."
)


def limit_pillow() -> None:
    """Pillow warns above this many pixels and refuses above twice as many, wherever a
    picture is opened: renditions, metadata removal, an image saved in code."""
    PillowImage.MAX_IMAGE_PIXELS = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS


class PixelBoundedImageField(WagtailImageField):
    """Wagtail's image field, where a picture Pillow refuses to open because of its size
    gets the field's error instead of a 500. Wagtail reads the size through Pillow, which
    raises DecompressionBombError before any pixel is decoded."""

    def check_image_pixel_size(self, f):
        try:
            super().check_image_pixel_size(f)
        except PillowImage.DecompressionBombError as bomb:
            raise ValidationError(
                TOO_MANY_PIXELS % {"max_pixels": f"{self.max_image_pixels:,}"},
                code="file_too_many_pixels",
            ) from bomb


class DescribedImageForm(BaseImageForm):
    """Wagtail's image form, where the description (the alt text) is required, and the
    file's size in pixels is checked without a 500 (the admin's single and multiple upload
    both use this form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Swapped here, not declared on the class: a declared field would survive the
        # multiple upload's edit form, which leaves the file out.
        if (file := self.fields.get("file")) is not None:
            self.fields["file"] = PixelBoundedImageField(
                label=file.label, required=file.required, widget=file.widget
            )
        description = self.fields["description"]
        description.required = True
        description.label = "Description (alt text)"
        description.help_text = DESCRIPTION_HELP
        description.error_messages["required"] = (
            "Describe the picture for people who cannot see it: this is its alt text."
        )


FORMATS = ("avif", "webp", "jpeg")


@dataclass(frozen=True)
class PictureSize:
    """The widths a picture is made at, and the ``sizes`` attribute that picks among them."""

    resizes: tuple[str, ...]
    sizes: str

    @property
    def filter_specs(self) -> list[str]:
        """Each format at each width, in the order ``{% picture %}`` expands them."""
        return [f"format-{fmt}|{resize}" for fmt, resize in product(FORMATS, self.resizes)]


PICTURE_SIZES = {
    # The home page's hero, beside its text on a wide screen.
    "hero": PictureSize(
        ("fill-480x360", "fill-960x720", "fill-1440x1080"), "(min-width: 48rem) 50vw, 100vw"
    ),
    # An article's or a treatment's picture, at the top of the page.
    "page_hero": PictureSize(
        ("fill-480x320", "fill-960x640", "fill-1440x960"), "(min-width: 48rem) 44rem, 100vw"
    ),
    # A teaser in a list (components/card.html).
    "card": PictureSize(("fill-360x240", "fill-720x480"), "(min-width: 48rem) 22rem, 100vw"),
    # A picture in a page's body, at its own proportions (blocks/figure_block.html).
    "figure": PictureSize(
        ("width-400", "width-800", "width-1200"), "(min-width: 48rem) 44rem, 100vw"
    ),
}
FILTER_SPECS = [
    *(spec for size in PICTURE_SIZES.values() for spec in size.filter_specs),
    OG_IMAGE_FILTER,
]


def prerender_renditions(images=None) -> int:
    """Make every rendition the templates use for these images (all, by default).

    Renditions that exist are left alone, so running it again is cheap.
    """
    images = Image.objects.all() if images is None else images
    made = 0
    for image in images.prefetch_renditions(*FILTER_SPECS):
        existing = {r.filter_spec for r in image.prefetched_renditions}
        missing = [spec for spec in FILTER_SPECS if spec not in existing]
        if missing:
            image.get_renditions(*missing)
            made += len(missing)
    return made
