"""Pictures: the upload form's one rule, and the renditions the templates ask for.

Every picture's alt text is its image's description, or nothing when a page marks the
picture decorative; so the image form requires a description (WAGTAILIMAGES_IMAGE_FORM_BASE).

Keep ``FILTER_SPECS`` in step with the ``{% picture %}`` and ``{% image %}`` tags in
templates/: a spec missing there is still made on first view, just not ahead of it.
"""

from itertools import product

from wagtail.images.forms import BaseImageForm
from wagtail.images.models import Image

from .models import OG_IMAGE_FILTER

DESCRIPTION_HELP = (
    "Read aloud to people who cannot see the picture, and shown when it cannot load: "
    "this is its alt text. Say what it shows that matters, e.g. “Hands easing the muscles "
    "of a lower back”. Not the file name."
)


class DescribedImageForm(BaseImageForm):
    """Wagtail's image form, where the description (the alt text) is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.fields["description"]
        description.required = True
        description.label = "Description (alt text)"
        description.help_text = DESCRIPTION_HELP
        description.error_messages["required"] = (
            "Describe the picture for people who cannot see it: this is its alt text."
        )


FORMATS = ("avif", "webp", "jpeg")
_SIZES = {
    # home/home_page.html: the hero
    "hero": ("fill-480x360", "fill-960x720", "fill-1440x1080"),
    # blog/blog_page.html, services/service_page.html: the page's hero
    "page_hero": ("fill-480x320", "fill-960x640", "fill-1440x960"),
    # components/card.html
    "card": ("fill-360x240", "fill-720x480"),
    # blocks/figure_block.html
    "figure": ("width-400", "width-800", "width-1200"),
}
FILTER_SPECS = [
    # The order {% picture %} writes them in: format first.
    *(f"format-{fmt}|{size}" for sizes in _SIZES.values() for size, fmt in product(sizes, FORMATS)),
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
