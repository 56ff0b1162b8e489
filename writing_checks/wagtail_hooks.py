from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def writing_checks_urls():
    return views.admin_urls()


@hooks.register("insert_editor_js")
def writing_checks_js():
    # Counters under the title and search fields on every page; the checks panel, if any.
    return format_html('<script src="{}"></script>', static("writing_checks/writing-checks.js"))
