"""The sitemap's article sections: ``/sitemap-articles.xml`` and its further pages (``?p=2``…).

Article sections are ranges of places under the blog index, not slices of a count: section
N holds the articles whose place in the page tree is between (N-1)×100+1 and N×100. So the
index needs only the last article's place (one indexed lookup) and each section reads one
range of the tree index: the same cost at 10,000 articles as at 100. A section can hold
fewer than 100 URLs when articles in its range were deleted or are drafts.

practice/urls.py composes these with home's section of every other page.
"""

import math

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Page as PaginatorPage
from django.utils.functional import cached_property
from wagtail.contrib.sitemaps import Sitemap

from home.private_sections import public
from search.sitemaps import SECTION_SIZE
from search.tree_places import child_path, place_among_siblings

from .models import BlogIndexPage, BlogPage


class ArticleRanges:
    """A paginator over ranges of places under the blog index (see the module's docstring)."""

    def __init__(self, blog_index: BlogIndexPage | None):
        self.blog_index = blog_index

    @cached_property
    def num_pages(self) -> int:
        last = self.blog_index.get_last_child() if self.blog_index else None
        if last is None:
            return 1
        return max(1, math.ceil(place_among_siblings(last) / SECTION_SIZE))

    def page(self, number) -> PaginatorPage:
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        return PaginatorPage(self._articles(number), number, self)

    def _articles(self, number: int):
        if self.blog_index is None:
            return BlogPage.objects.none()
        first = (number - 1) * SECTION_SIZE + 1
        last = number * SECTION_SIZE
        articles = BlogPage.objects.child_of(self.blog_index).live()
        return (
            public(articles)
            .filter(
                path__gte=child_path(self.blog_index, first),
                path__lte=child_path(self.blog_index, last),
            )
            .order_by("path")
            .defer_streamfields()
        )


class ArticlesSitemap(Sitemap):
    page_types = (BlogPage,)

    def items(self):
        return self.paginator.page(1).object_list

    @cached_property
    def paginator(self):
        root = self.get_wagtail_site().root_page
        return ArticleRanges(BlogIndexPage.objects.descendant_of(root).first())

    def get_latest_lastmod(self):
        # The index names no change time for article sections: Django would give each the
        # latest change of any article, telling crawlers that all of them changed. Each URL
        # in a section carries its own lastmod.
        return None
