"""Where Wagtail's page chooser opens: at the site's home page, not above it.

Opened for no page in particular (a link in rich text, a call to action's button, the
privacy page in the practice's settings), Wagtail's chooser starts at the tree's root,
above every site, where the only thing to click is the home page. This view stands at
Wagtail's own address for that first step (practice/urls.py puts it before the admin's
URLs) and sends such a chooser on to the home page's children. A chooser for one page
type, such as treatments, is left to Wagtail, which opens it at the index that holds
them; a chooser changing a chosen page asks for that page's parent by address and never
comes here.
"""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail.admin.views.chooser import BrowseView
from wagtail.models import Site

ANY_PAGE = "wagtailcore.page"
wagtail_browse = BrowseView.as_view()


def home_page_id(request) -> int | None:
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
    return site.root_page_id if site else None


@permission_required("wagtailadmin.access_admin", raise_exception=True)
def choose_page(request):
    home_id = home_page_id(request)
    if request.GET.get("page_type", ANY_PAGE) != ANY_PAGE or home_id is None:
        return wagtail_browse(request)
    url = reverse("wagtailadmin_choose_page_child", args=[home_id])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def urls_before_the_admin():
    return [path("admin/choose-page/", choose_page)]
