"""The sitemap in sections, so that no response grows with the number of pages.

``/sitemap.xml`` is a sitemap index naming ``/sitemap-pages.xml`` (``PagesSitemap``) and the
sections of the page types that have their own, each holding at most ``SECTION_SIZE`` URLs:
the articles' are in blog/sitemaps.py. practice/urls.py puts them together.
"""

import dataclasses
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from wagtail.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps import views as sitemap_views
from wagtail.models import Page, get_page_models

from home.private_sections import public

SECTION_SIZE = 100


class PagesSitemap(Sitemap):
    """Every page but those with sections of their own: a few dozen at most, counted in one
    query. ``PagesSitemap.without(BlogPage)`` is this section less the articles."""

    limit = SECTION_SIZE
    excluded_types: tuple[type[Page], ...] = ()

    @classmethod
    def without(cls, *page_types: type[Page]) -> type["PagesSitemap"]:
        return type(cls.__name__, (cls,), {"excluded_types": page_types})

    def items(self):
        return self._pages().order_by("path").defer_streamfields().specific()

    def _pages(self):
        # Named by type, so that SQLite reads them through the content type index
        # instead of walking past every article under the site root.
        page_types = [
            model
            for model in get_page_models()
            if model is not Page and not issubclass(model, self.excluded_types)
        ]
        root = self.get_wagtail_site().root_page
        return public(Page.objects.descendant_of(root, inclusive=True).live().type(*page_types))

    @cached_property
    def _summary(self) -> dict:
        # Django would render every item to find the latest change, and count apart.
        return self._pages().aggregate(
            count=Count("pk"),
            latest=Max(Coalesce("last_published_at", "latest_revision_created_at")),
        )

    def get_latest_lastmod(self):
        return self._summary["latest"]

    @property
    def paginator(self):
        pages = super().paginator
        pages.count = self._summary["count"]
        return pages


def index(request, sitemaps, **kwargs):
    """Wagtail's sitemap index, naming its sections at the site's public address, as the
    pages in them are (at their Site's), not at whatever host the request came in on."""
    response = sitemap_views.index(request, sitemaps, **kwargs)
    response.context_data["sitemaps"] = [
        dataclasses.replace(item, location=_at_public_address(item.location))
        for item in response.context_data["sitemaps"]
    ]
    return response


def _at_public_address(url: str) -> str:
    parts = urlsplit(url)
    return settings.PUBLIC_URL + parts.path + (f"?{parts.query}" if parts.query else "")
