"""The checks panel at the top of a page's Content tab, refreshed while she writes.

Wagtail's own checks side panel runs axe in the preview's browser; its rules are JavaScript
and it cannot read a page's fields. These checks are Python (writing_checks/checks.py, tested
on values), so the panel is drawn on the server: from the draft when the editor opens, then
again from the unsaved form each time she pauses (the same form Wagtail's preview posts).
"""

from django.template.loader import render_to_string
from django.urls import reverse
from wagtail.admin.forms.pages import WagtailAdminPageForm
from wagtail.admin.panels import Panel

from .checks import check_page, drop_empty_list_items
from .word_count import preview_word_count

FRAGMENT_TEMPLATE = "writing_checks/results.html"


def render_results(page, request=None) -> str:
    # Counted on the page as its preview shows it, as Wagtail's Checks panel counts; a page
    # not yet saved has no preview of its own, so its count waits for the first save.
    words = preview_word_count(page, request) if page.pk else None
    return render_to_string(
        FRAGMENT_TEMPLATE, {"report": check_page(page), "words": words}, request=request
    )


class WritingChecksPanel(Panel):
    """Warnings about the page's text. They never stop a save or a publish."""

    def __init__(self, heading="Checks while you write", **kwargs):
        super().__init__(heading=heading, **kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "writing_checks"

    class BoundPanel(Panel.BoundPanel):
        template_name = "writing_checks/panel.html"

        def checks_url(self) -> str:
            page = self.instance
            if page.pk:
                return reverse("writing_checks_on_edit", args=[page.pk])
            parent = getattr(self.form, "parent_page", None)
            if parent is None:
                return ""
            meta = page._meta
            return reverse(
                "writing_checks_on_add", args=[meta.app_label, meta.model_name, parent.pk]
            )

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["results"] = render_results(self.instance, self.request)
            context["checks_url"] = self.checks_url()
            return context


class EmptyBulletsDroppedForm(WagtailAdminPageForm):
    """A page form that saves no empty bullet: a stray Enter in a list never goes live.

    The checks panel sets ``keep_empty_bullets`` so that it can still warn about them while
    she writes."""

    keep_empty_bullets = False

    def clean(self):
        cleaned = super().clean()
        if not self.keep_empty_bullets and cleaned.get("body") is not None:
            drop_empty_list_items(cleaned["body"])
        return cleaned
