"""The sitemap in sections, so that no response grows with the number of articles.

``/sitemap.xml`` is a sitemap index naming ``/sitemap-pages.xml`` (everything but the
articles) and ``/sitemap-articles.xml`` with its further pages (``?p=2``…), each holding at
most ``SECTION_SIZE`` URLs. Every response then costs the same few queries at 100 articles
as at 10,000.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

from blog.models import BlogPage

SECTION_SIZE = 100


class SectionSitemap(Sitemap):
    limit = SECTION_SIZE

    def pages(self):
        """The section's pages as plain ``Page`` rows: what is counted, never rendered."""
        return self.items()

    @cached_property
    def _summary(self) -> dict:
        # How many pages, and the latest change, in one aggregate query. Django's default
        # renders every item of the section to find the latest change, and counts apart.
        return self.pages().aggregate(
            count=Count("pk"),
            latest=Max(Coalesce("last_published_at", "latest_revision_created_at")),
        )

    def get_latest_lastmod(self):
        return self._summary["latest"]

    @property
    def paginator(self):
        pages = Paginator(self._items(), self.limit)
        pages.count = self._summary["count"]
        return pages


class PagesSitemap(SectionSitemap):
    def items(self):
        return (
            self.get_wagtail_site()
            .root_page.get_descendants(inclusive=True)
            .live()
            .public()
            .not_type(BlogPage)
            .order_by("path")
            .defer_streamfields()
            .specific()
        )


class ArticlesSitemap(SectionSitemap):
    def items(self):
        return (
            BlogPage.objects.live()
            .public()
            .descendant_of(self.get_wagtail_site().root_page)
            .order_by("path")
            .defer_streamfields()
        )

    def pages(self):
        # The same articles, from the page tree alone: no join with the articles table.
        root = self.get_wagtail_site().root_page
        return Page.objects.descendant_of(root).live().public().type(BlogPage)


SECTIONS = {"pages": PagesSitemap, "articles": ArticlesSitemap}
