"""Links to pages inside rich text, each linked page read at most once per request.

Wagtail fetches each linked page as its own type, one more query per type and per rich
text, to ask it for its URL. A page's URL comes from the page tree alone here: no page type
of this site changes how its URL is made. The pages are kept for the rest of the request
(``home.request_memo``), so a page the request has already read (the menu's, or every page
a body links to, read with the menu: ``home.context_processors``) costs no query.
"""

from collections.abc import Iterable

from wagtail.models import Page
from wagtail.rich_text import extract_references_from_rich_text
from wagtail.rich_text.pages import PageLinkHandler

from .request_memo import remember


def _known_pages() -> dict[str, Page | None]:
    return remember("pages_by_id", dict)


def remember_pages(pages: Iterable[Page], looked_for: Iterable[str] = ()) -> None:
    """Keep pages read for the request; ids looked for but not found are kept as None."""
    known = _known_pages()
    known.update(dict.fromkeys(looked_for))
    known.update((str(page.pk), page) for page in pages)


def pages_by_id(ids: Iterable[str]) -> dict[str, Page | None]:
    """Pages by id (as rich text writes it); those the request has not read, in one query."""
    wanted = {str(page_id) for page_id in ids}
    known = _known_pages()
    missing = [page_id for page_id in wanted - known.keys() if page_id.isdigit()]
    if missing:
        remember_pages(Page.objects.filter(pk__in=missing), missing)
    return {page_id: known.get(page_id) for page_id in wanted}


def linked_page_ids(raw_stream) -> set[str]:
    """The ids of the pages linked from the rich text anywhere in a StreamField's raw data."""
    ids = set()
    pending = [raw_stream]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, str) and "linktype" in item:
            ids.update(
                str(object_id)
                for model, object_id, _, _ in extract_references_from_rich_text(item)
                if issubclass(model, Page)
            )
    return ids


class PageTreeLinkHandler(PageLinkHandler):
    @classmethod
    def get_many(cls, attrs_list: list[dict]) -> list[Page | None]:
        ids = [str(attrs.get("id")) for attrs in attrs_list]
        pages = pages_by_id(ids)
        return [pages[page_id] for page_id in ids]
