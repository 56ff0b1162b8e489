from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import views as sitemap_views
from wagtail.documents import urls as wagtaildocs_urls

from blog.sitemaps import ArticlesSitemap
from bookings.calendar_feed import calendar_feed
from caching import front_cache
from home import media, page_chooser_start
from search import sitemaps
from search import views as search_views
from search.sitemaps import PagesSitemap

# Django's own handler reads request.POST again, and raises again for a body it could not parse.
handler400 = "practice.request_guard.views.bad_request"

# The sitemap's sections: the articles in ranges of their own, every other page together.
SITEMAP_SECTIONS = {
    "pages": PagesSitemap.without(*ArticlesSitemap.page_types),
    "articles": ArticlesSitemap,
}

urlpatterns = [
    path("django-admin/", admin.site.urls),
    # Wagtail's page chooser, opened for any page, starts at home (home/page_chooser_start.py).
    *page_chooser_start.urls_before_the_admin(),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document view, answering with Cache-Control: private (home/media.py).
    re_path(r"^documents/(\d+)/(.*)$", media.serve_document, name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAP_SECTIONS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAP_SECTIONS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", search_views.robots_txt, name="robots_txt"),
    # nginx's front cache asks for the page cache's generation here (deploy/nginx/).
    path("_front-cache/generation", front_cache.generation, name="front_cache_generation"),
    # The therapist's private calendar feed: the token in the address is the key.
    path("calendar/<str:token>.ics", calendar_feed, name="booking_calendar_feed"),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", media.serve_media, name="media"),
    ]

urlpatterns += [path("", include(wagtail_urls))]

# A database that cannot take the work, wherever it is noticed: 503, not 500.
handler500 = "practice.unavailable.server_error"
