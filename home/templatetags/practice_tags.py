import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from wagtail.images.models import Picture
from wagtail.images.shortcuts import get_renditions_or_not_found

from home.images import PICTURE_SIZES
from home.prices import format_price

register = template.Library()

# Characters that could end a <script> element or start an HTML comment,
# escaped so that no text an editor types can break out of the JSON-LD.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """A schema.org object as the body of a <script type="application/ld+json">."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_SCRIPT_ESCAPES))


@register.filter
def price(amount, currency: str) -> str:
    """``{{ option.price|price:settings.home.PracticeSettings.currency }}``"""
    return format_price(amount, currency)


@register.simple_tag
def sized_picture(image, size: str, **attrs) -> str:
    """Wagtail's ``{% picture %}`` at one of the site's sizes (home/images.py PICTURE_SIZES).

    ``{% sized_picture page.hero_image "page_hero" alt=page.hero_image_alt %}``: the other
    keyword arguments become attributes of the ``<img>``, as with ``{% picture %}``.
    """
    if size not in PICTURE_SIZES:
        raise template.TemplateSyntaxError(
            f"No picture size {size!r}; the sizes are {', '.join(PICTURE_SIZES)}."
        )
    if not image:
        return ""
    picture_size = PICTURE_SIZES[size]
    renditions = get_renditions_or_not_found(image, picture_size.filter_specs)
    return Picture(renditions, {"sizes": picture_size.sizes, **attrs}).__html__()
