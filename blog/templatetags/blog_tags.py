"""What other templates show of the blog (the home page, the search page): the newest guides."""

from django import template

from home.private_sections import public

from ..models import BlogPage

register = template.Library()


@register.simple_tag
def newest_guides(count: int = 3, with_pictures: bool = False):
    """The newest live, public guides; with their pictures fetched alongside, if asked."""
    guides = public(BlogPage.objects.live()).order_by("-date", "-pk")
    if with_pictures:
        guides = guides.select_related("hero_image").prefetch_related("hero_image__renditions")
    return guides[:count]
