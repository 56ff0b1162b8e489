from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from .private_sections import is_private
from .request_memo import remember


def _top_level_pages(request):
    """The live, public children of the site's home page, read once per request.

    Plain ``Page`` objects: the header and footer need only their titles and URLs.
    """
    site = Site.find_for_request(request)
    if site is None:
        return []
    children = remember(
        ("children", site.root_page_id), lambda: list(site.root_page.get_children())
    )
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
