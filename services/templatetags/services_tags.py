"""What other templates show of the treatments (the search page's suggestions)."""

from django import template

from home.private_sections import public

from ..models import ServicePage

register = template.Library()


@register.simple_tag
def all_treatments():
    """Every live, public treatment, in the services index's order."""
    return public(ServicePage.objects.live()).order_by("path")
