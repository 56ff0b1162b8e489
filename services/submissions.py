"""What the booking and contact pages answer to a post, whatever its verdict.

Both pages take a post the same one way (``services.booking``, ``services.contact``):
screen (``services.screening``), check (the form), store (one transaction that first
claims the form token, ``protection.claim_token``), queue (``notifications.queue``). This
module holds the answers they share, so the two never drift apart: the form with its
errors, the form again after a refused CSRF check, 429, and POST-redirect-GET to the
page's thank-you route.
"""

from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables

from .protection import describe_errors


def too_many_requests(request):
    return TemplateResponse(request, "429.html", status=429, headers={"Retry-After": "60"})


def thanks(page, route: str = "thanks"):
    """POST-redirect-GET: bots see the same thank-you page as people, so they learn nothing.
    ``route``: the booking page's "booked" for an appointment confirmed at once."""
    return HttpResponseRedirect(page.url + page.reverse_subpage(route))


def render_form(page, request, form, status=200, notice=""):
    describe_errors(form)
    context = page.get_context(request)
    context["form"] = form
    context["form_notice"] = notice
    # A form's page holds a one-time token (and may hold what the visitor typed): no cache
    # keeps it. Its CSRF cookie is set with the page, whichever of its forms the page shows.
    get_token(request)
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    add_never_cache_headers(response)
    return response


CSRF_NOTICE = (
    "Your browser did not send the security cookie this form needs, so we have not sent "
    "it yet. We kept what you typed: please check it and send it again."
)


@sensitive_variables("initial")
def render_form_again(page, request, make_form):
    """The form as the visitor filled it in, after the CSRF check refused the post (cookies
    cleared or blocked while the page was open). Nothing was screened or stored; the form's
    own token is kept, so the next post is screened as usual. The caller's response must
    never be cached: it holds what the visitor typed (``CSRF_FAILURE_VIEW``)."""
    initial = {
        name: values if len(values) > 1 else values[0] for name, values in request.POST.lists()
    }
    return render_form(page, request, make_form(initial), status=403, notice=CSRF_NOTICE)
