from django.db.models import Q
from django.utils.functional import SimpleLazyObject
from wagtail.models import Page, Site

from .private_sections import is_private
from .request_memo import remember
from .rich_text import linked_page_ids, remember_pages


def _children_key(site):
    return ("children", site.root_page_id)


def read_menu_and_links(request, raw_streams) -> None:
    """The menu's pages and the pages the streams' rich text links to, in one query.

    Both are read from the page tree for every page a body links from; kept for the
    request, neither is read again.
    """
    site = Site.find_for_request(request)
    link_ids = [
        page_id for page_id in set().union(*map(linked_page_ids, raw_streams)) if page_id.isdigit()
    ]
    if site is None or not link_ids:
        return
    root = site.root_page
    pages = list(
        Page.objects.filter(
            Q(pk__in=link_ids) | Q(depth=root.depth + 1, path__startswith=root.path)
        ).order_by("path")
    )
    remember_pages(pages, link_ids)
    remember(
        _children_key(site),
        lambda: [
            page
            for page in pages
            if page.depth == root.depth + 1 and page.path.startswith(root.path)
        ],
    )


def _top_level_pages(request):
    """The live, public children of the site's home page, read once per request.

    Plain ``Page`` objects: the header and footer need only their titles and URLs.
    """
    site = Site.find_for_request(request)
    if site is None:
        return []
    children = remember(_children_key(site), lambda: list(site.root_page.get_children()))
    return [page for page in children if page.live and not is_private(page)]


def _first_of_type(request, model_label):
    return next(
        (
            page
            for page in _top_level_pages(request)
            if page.specific_class._meta.label == model_label
        ),
        None,
    )


def site_chrome(request):
    """What the header and footer show on every page, looked up only if a template uses it.

    The booking page and the blog index are singletons that live under the home page,
    so the menu and both of them come from the same list of the home page's children.
    """
    return {
        "menu_pages": SimpleLazyObject(
            lambda: [page for page in _top_level_pages(request) if page.show_in_menus]
        ),
        "booking_page": SimpleLazyObject(lambda: _first_of_type(request, "services.BookingPage")),
        "blog_index": SimpleLazyObject(lambda: _first_of_type(request, "blog.BlogIndexPage")),
    }
