"""Site search over treatments and guides, with Wagtail's database backend.

Ranking by relevance on SQLite scores each match in a subquery of its own, so its cost
grows with the square of the number of matches: a blink at a few dozen, seconds at a few
thousand. Up to ``RANKED_MATCHES`` matches are ranked by relevance; beyond that, when a
word is in nearly every guide, the newest come first and the cost stays linear.
"""

from wagtail.models import Page

from blog.models import BlogPage
from home.private_sections import public
from services.models import ServicePage

RANKED_MATCHES = 100


def search_pages(query: str):
    pages = public(Page.objects.live().type(ServicePage, BlogPage))
    newest_first = (
        pages.order_by("-first_published_at").specific().search(query, order_by_relevance=False)
    )
    if newest_first.count() > RANKED_MATCHES:
        return newest_first
    return pages.specific().search(query)
