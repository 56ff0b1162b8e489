"""The search page and robots.txt, which points crawlers at the sitemap."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from .query import clean_query, search_pages

SEARCH_RESULTS_PER_PAGE = 10


@require_GET
def search(request):
    """Any text at all: results, or the treatments and newest guides when nothing matches."""
    query = clean_query(request.GET.get("q", ""))
    results = search_pages(query) if query else []
    page_of_results = Paginator(results, SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    response = TemplateResponse(
        request,
        "search/search.html",
        {
            "search_query": query,
            "results": page_of_results,
            "query_prefix": urlencode({"q": query}),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def robots_txt(request):
    sitemap_url = settings.PUBLIC_URL + reverse("sitemap")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {sitemap_url}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain")
