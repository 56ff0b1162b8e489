from django.urls import reverse
from wagtail import hooks
from wagtail.admin.widgets import Button

from . import views


@hooks.register("register_admin_urls")
def deleted_blocks_urls():
    return views.admin_urls()


@hooks.register("register_page_header_buttons")
def deleted_blocks_button(page, user, view_name, next_url=None):
    """Beside History in the editor's menu, on pages with a body of blocks."""
    if not views.stream_fields(page.specific_deferred):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    yield Button(
        "Bring back a deleted block",
        reverse("deleted_blocks", args=[page.pk]),
        icon_name="history",
        priority=55,
    )
