"""Site search over treatments and guides, with Wagtail's database backend.

Ranking by relevance on SQLite scores each match in a subquery of its own, so its cost
grows with the square of the number of matches: a blink at a few dozen, seconds at a few
thousand. Up to ``RANKED_MATCHES`` matches are ranked by relevance; beyond that, when a
word is in nearly every guide, the newest come first.

Every search starts with one full-text query for the ids of all matches, newest first.
It tells how many there are, and beyond ``RANKED_MATCHES`` it is the list itself: the
page shown then fetches only its own ten. Counting and listing apart would run the match
over every matching guide twice.
"""

from collections.abc import Sequence

from wagtail.models import Page

from blog.models import BlogPage
from home.private_sections import public
from services.models import ServicePage

RANKED_MATCHES = 100


def search_pages(query: str) -> Sequence:
    pages = public(Page.objects.live().type(ServicePage, BlogPage))
    newest_first = list(
        pages.order_by("-first_published_at")
        .values_list("pk", flat=True)
        .search(query, order_by_relevance=False)
    )
    if len(newest_first) <= RANKED_MATCHES:
        return pages.specific().search(query)
    return PagesInOrder(newest_first)


class PagesInOrder(Sequence):
    """Pages by id, in the order given, each slice fetched as its own types when read."""

    def __init__(self, page_ids: list[int]):
        self.page_ids = page_ids

    def __len__(self) -> int:
        return len(self.page_ids)

    def __getitem__(self, index):
        wanted = self.page_ids[index]
        if not isinstance(index, slice):
            return self._fetch([wanted])[0]
        return self._fetch(wanted)

    @staticmethod
    def _fetch(wanted: list[int]) -> list[Page]:
        pages = Page.objects.filter(pk__in=wanted).specific().in_bulk()
        return [pages[page_id] for page_id in wanted if page_id in pages]
