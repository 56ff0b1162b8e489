"""Where the page chooser opens for a link in rich text: at the site's home page.

Wagtail opens it at the tree's root, above every site, for a new link (a chooser for one
page type, such as treatments, already opens at the index that holds them). These addresses
take the link chooser's place and send it on to Wagtail's own chooser, at home, or at the
linked page's parent when a link is being changed.
"""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from wagtail.models import Site


def home_page_id(request) -> int | None:
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
    return site.root_page_id if site else None


@permission_required("wagtailadmin.access_admin", raise_exception=True)
def choose_page_from_home(request, parent_page_id=None):
    parent_page_id = parent_page_id or home_page_id(request)
    if parent_page_id:
        url = reverse("wagtailadmin_choose_page_child", args=[parent_page_id])
    else:
        url = reverse("wagtailadmin_choose_page")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def admin_urls():
    return [
        path("choose-page-from-home/", choose_page_from_home, name="choose_page_from_home"),
        path(
            "choose-page-from-home/<int:parent_page_id>/",
            choose_page_from_home,
            name="choose_page_from_home_child",
        ),
    ]


def start_link_chooser_at_home(features):
    """Point rich text's link chooser here (after Wagtail registered it)."""
    link = features.plugins_by_editor.get("draftail", {}).get("link")
    if link is None:
        return
    link.data = {
        **link.data,
        "chooserUrls": {
            **link.data["chooserUrls"],
            "pageChooser": reverse_lazy("choose_page_from_home"),
        },
    }
