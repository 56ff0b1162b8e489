from django.apps import apps
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site


def _menu_pages(request):
    site = Site.find_for_request(request)
    if not site:
        return []
    return list(site.root_page.get_children().live().public().in_menu().specific(defer=True))


def _singleton(model_label):
    model = apps.get_model(model_label)
    return model.objects.live().public().first()


def site_chrome(request):
    """What the header and footer show on every page, looked up only if a template uses it."""
    return {
        "menu_pages": SimpleLazyObject(lambda: _menu_pages(request)),
        "booking_page": SimpleLazyObject(lambda: _singleton("services.BookingPage")),
        "blog_index": SimpleLazyObject(lambda: _singleton("blog.BlogIndexPage")),
    }
