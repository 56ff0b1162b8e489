"""The home page's children, read once per request.

Wagtail's routing looks for one of them by its slug and the header's menu lists them all,
so one query serves both.
"""

from wagtail.models import Page


def children(page: Page, request) -> list[Page]:
    """All of the page's children, live or not, in tree order: read once per request."""
    read = request.__dict__.setdefault("_practice_children", {})
    if page.pk not in read:
        read[page.pk] = list(page.get_children())
    return read[page.pk]
