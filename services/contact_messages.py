"""The contact page's messages in the admin (``ContactPage.get_submissions_list_view_class``)."""

from bookings.spreadsheets import FormulaSafeSubmissionsListView


class ContactMessagesView(FormulaSafeSubmissionsListView):
    """The contact page's messages.

    Exported through the site's formula-safe writer. Its trail leads home, not through
    Wagtail's "Forms" list, which bounces practice staff to the dashboard.
    """

    page_title = "Contact messages"

    def get_breadcrumbs_items(self):
        here = {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()}
        return [*self.breadcrumbs_items, here]
