"""The dashboard's booking panel: bookings per treatment, and the pages that led to them.

Each booking request keeps the path of the page the visitor came from
(services/came_from.py). Here each path is matched to the live page it shows, whatever
its type, so guides appear by name without this app knowing the blog.
"""

import datetime

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from home.page_requests import pages_for_paths
from page_views.bar_chart import bar_chart

from .models import BookingRequest

INSIGHT_DAYS = 30


def recent_bookings(days: int = INSIGHT_DAYS, now=None):
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    return BookingRequest.objects.filter(created_at__gte=since)


def bookings_per_treatment(bookings) -> list[tuple[str, int]]:
    rows = bookings.values("service_title").annotate(count=Count("pk"))
    return [
        (row["service_title"], row["count"]) for row in rows.order_by("-count", "service_title")
    ]


def pages_that_led_to_bookings(bookings) -> list[dict]:
    """Each page of the site visitors came from to book, with its kind and the bookings."""
    rows = (
        bookings.exclude(came_from="")
        .values("came_from")
        .annotate(count=Count("pk"))
        .order_by("-count", "came_from")
    )
    counts = [(row["came_from"], row["count"]) for row in rows]
    pages = pages_for_paths([path for path, _ in counts], Page.objects.live().specific())
    sources = []
    for path, count in counts:
        page = pages.get(path)
        sources.append(
            {
                "path": path,
                "count": count,
                "page": page,
                "kind": page.specific_class.get_verbose_name() if page else "",
                "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]) if page else "",
            }
        )
    return sources


class BookingSourcesPanel(Component):
    name = "booking_sources"
    order = 200

    def render_html(self, parent_context=None):
        bookings = recent_bookings()
        per_treatment = bookings_per_treatment(bookings)
        return render_to_string(
            "bookings/admin/booking_sources_panel.html",
            {
                "days": INSIGHT_DAYS,
                "total": sum(count for _, count in per_treatment),
                "chart": bar_chart(
                    f"Booking requests per treatment in the last {INSIGHT_DAYS} days",
                    per_treatment,
                ),
                "sources": pages_that_led_to_bookings(bookings),
            },
        )
