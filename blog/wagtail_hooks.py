from django.urls import path, reverse
from django.utils.http import urlencode
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.permission_policies.pages import PagePermissionPolicy

from .admin_views import ImportGuideView
from .insights import GuidesDueReviewPanel, GuideViewsPanel
from .models import BlogPage


@hooks.register("register_admin_urls")
def guide_import_urls():
    return [path("guides/import/", ImportGuideView.as_view(), name="blog_import_guide")]


@hooks.register("register_page_header_buttons")
def import_guide_button(page, user, view_name, next_url=None):
    """ "Import a guide" on the guides index, where guides are added."""
    if not BlogPage.can_create_at(page):
        return
    if not page.permissions_for_user(user).can_add_subpage():
        return
    yield Button(
        "Import a guide",
        reverse("blog_import_guide") + "?" + urlencode({"parent": page.pk}),
        icon_name="doc-full-inverse",
        priority=16,
    )


@hooks.register("construct_homepage_panels")
def add_guide_panels(request, panels):
    """The most read guides of the last 30 days, and the guides due a review (blog/insights.py),
    for those who edit pages (not the "Practice staff" group, which sees bookings only)."""
    if PagePermissionPolicy().user_has_any_permission(request.user, {"change", "publish"}):
        panels.append(GuideViewsPanel())
        panels.append(GuidesDueReviewPanel())
