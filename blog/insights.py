"""What the therapist's guides bring in, and which are due a review: the dashboard's panels.

Views come from page_views/counting.py (counted on the server, nothing about the visitor).
Which guides led to bookings is the booking panel's part (services), since blog and
services know nothing of each other.
"""

import datetime

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from home.page_requests import pages_for_paths
from page_views.bar_chart import bar_chart
from page_views.counting import views_by_path

from .models import BlogPage

INSIGHT_DAYS = 30
TOP_GUIDES = 5


def a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def guides_due_review(today: datetime.date | None = None):
    """Live guides last reviewed over 12 months ago, or never reviewed and published over
    12 months ago: the longest waiting first."""
    cutoff = a_year_before(today or timezone.localdate())
    return (
        BlogPage.objects.live()
        .filter(Q(last_reviewed__lt=cutoff) | Q(last_reviewed__isnull=True, date__lt=cutoff))
        .annotate(reviewed_or_published=Coalesce("last_reviewed", "date"))
        .order_by("reviewed_or_published", "title")
    )


def top_guides(
    days: int = INSIGHT_DAYS, limit: int = TOP_GUIDES, today: datetime.date | None = None
) -> list[tuple[BlogPage, int]]:
    """The most viewed live guides of the last ``days`` days (today included), with views."""
    since = (today or timezone.localdate()) - datetime.timedelta(days=days - 1)
    totals = views_by_path(since)
    guides = pages_for_paths([path for path, _ in totals], BlogPage.objects.live())
    return [(guides[path], views) for path, views in totals if path in guides][:limit]


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


class GuideViewsPanel(Component):
    name = "guide_views"
    order = 210

    def render_html(self, parent_context=None):
        guides = top_guides()
        return render_to_string(
            "blog/admin/guide_views_panel.html",
            {
                "days": INSIGHT_DAYS,
                "guides": [(guide, views, edit_url(guide)) for guide, views in guides],
                "chart": bar_chart(
                    f"Views of the most read guides in the last {INSIGHT_DAYS} days",
                    [(guide.title, views) for guide, views in guides],
                ),
            },
        )


class GuidesDueReviewPanel(Component):
    name = "guides_due_review"
    order = 220

    def render_html(self, parent_context=None):
        due = list(guides_due_review()[:20])
        return render_to_string(
            "blog/admin/guides_due_review_panel.html",
            {
                "guides": [(guide, edit_url(guide)) for guide in due],
                "count": guides_due_review().count() if len(due) == 20 else len(due),
            },
        )
