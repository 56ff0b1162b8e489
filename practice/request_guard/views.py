"""The pages that refuse a request, in the site's design, never cached, never reading the body.

``bad_request`` is ``handler400``: unlike Django's own, it has no ``requires_csrf_token``, which
reads ``request.POST`` again (and, for a body that failed to parse, raises again).
``csrf_failure`` is ``CSRF_FAILURE_VIEW``: the booking and contact pages show their form again
with what the visitor typed (``serve_after_csrf_failure`` on the page); any other form gets a
page that says what happened and links back.
"""

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from wagtail.models import Site


def never_cached(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    return response


def refusal_page(request, template: str, status: int, **context):
    response = TemplateResponse(request, template, context, status=status)
    return never_cached(response.render())


def unreadable(request, control_characters: bool = False):
    return refusal_page(request, "400.html", 400, control_characters=control_characters)


def too_large(request):
    return refusal_page(request, "413.html", 413)


def unsupported_type(request):
    return refusal_page(request, "415.html", 415)


def bad_request(request, exception=None):
    return unreadable(request)


def page_form_after_csrf_failure(request):
    """The form page's own answer, with the visitor's values, if the post was to one."""
    if request.method != "POST":
        return None
    site = Site.find_for_request(request)
    if site is None:
        return None
    components = [component for component in request.path_info.split("/") if component]
    try:
        page, args, kwargs = site.root_page.localized.specific.route(request, components)
    except Http404:
        return None
    serve_again = getattr(page, "serve_after_csrf_failure", None)
    return serve_again(request, *args, **kwargs) if serve_again else None


def csrf_failure(request, reason=""):
    response = page_form_after_csrf_failure(request)
    if response is None:
        response = TemplateResponse(
            request, "csrf_failure.html", {"back_url": request.path}, status=403
        )
    response.status_code = 403
    if hasattr(response, "render"):
        response = response.render()
    return never_cached(response)
