"""The therapist's view of what visitors send through the forms: the contact messages and
the posts kept in quarantine. The booking requests are ``bookings``' own admin."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.contrib.forms.utils import get_form_types, get_forms_for_user
from wagtail.models import Page

from staff_access.practice_staff import StaffOnlyPolicy, is_practice_staff

from .form_records import QuarantinedSubmission

# After the booking requests (150) in the menu, with the week at a glance.
CONTACT_MESSAGES_MENU_ORDER = 151


@hooks.register("filter_form_submissions_for_user")
def form_submissions_for_practice_staff(user, editable_forms):
    """Contact messages, like booking requests, are for practice staff and superusers only."""
    if not is_practice_staff(user):
        return editable_forms.none()
    return Page.objects.filter(content_type__in=get_form_types())


@hooks.register("construct_main_menu")
def contact_messages_instead_of_forms(request, menu_items):
    """Wagtail's "Forms" list needs page permissions that practice staff do not have, so for
    them it bounced to the dashboard. The menu leads straight to the messages instead."""
    menu_items[:] = [item for item in menu_items if item.name != "forms"]
    form_pages = list(get_forms_for_user(request.user).order_by("title"))
    for form_page in form_pages:
        single = len(form_pages) == 1
        menu_items.append(
            MenuItem(
                "Contact messages" if single else f"Messages: {form_page.title}",
                reverse("wagtailforms:list_submissions", args=[form_page.pk]),
                name="contact-messages" if single else f"messages-{form_page.pk}",
                icon_name="mail",
                order=CONTACT_MESSAGES_MENU_ORDER,
            )
        )


class QuarantineViewSet(ModelViewSet):
    """Posts caught by the honeypot or the fill time: kept for a look, never emailed."""

    model = QuarantinedSubmission
    icon = "warning"
    menu_label = "Quarantined spam"
    menu_order = 152  # after the contact messages
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["reason"]
    list_display = ["__str__", "form", "reason", "email", DateColumn("created_at")]
    list_filter = ["form", "reason"]
    inspect_view_fields = ["form", "reason", "email", "data", "created_at"]

    @property
    def permission_policy(self):
        return ReadOnlyStaffPolicy(self.model)


class ReadOnlyStaffPolicy(StaffOnlyPolicy):
    def user_has_permission(self, user, action):
        if action in ("change", "add"):
            return False
        return super().user_has_permission(user, action)


quarantine_viewset = QuarantineViewSet("quarantined_submissions")


@hooks.register("register_admin_viewset")
def register_quarantine_viewset():
    return quarantine_viewset
