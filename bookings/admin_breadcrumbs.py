"""Breadcrumbs for the admin pages reached from the booking requests list."""

from django.urls import reverse


class UnderBookingRequestsMixin:
    """For Wagtail admin views: Booking requests › (the pages between) › this page."""

    def breadcrumbs_between(self) -> list[dict]:
        return []

    def breadcrumb_label(self) -> str:
        return self.get_page_title()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("booking_requests:index"), "label": "Booking requests"},
            *self.breadcrumbs_between(),
            {"url": "", "label": self.breadcrumb_label()},
        ]
