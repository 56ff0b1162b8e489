"""The checks panel's address: the page as the unsaved edit form has it, checked, never
saved (writing_checks/panel.py draws the panel)."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from wagtail.admin.views.pages.preview import PreviewOnCreate, PreviewOnEdit

from .panel import FRAGMENT_TEMPLATE, render_results


class CheckFormMixin:
    """Checks the page as the posted edit form has it; saves nothing."""

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        form.keep_empty_bullets = True  # to warn of them; a save drops them
        if not self.validate_form(form):
            return HttpResponse(
                render_to_string(FRAGMENT_TEMPLATE, {"form_has_errors": True}, request=request)
            )
        page = form.save(commit=False)
        return HttpResponse(render_results(page, request))

    def get(self, request, *args, **kwargs):
        return HttpResponse(render_results(self.object, request))


class WritingChecksOnEdit(CheckFormMixin, PreviewOnEdit):
    http_method_names = ("post", "get")


class WritingChecksOnCreate(CheckFormMixin, PreviewOnCreate):
    http_method_names = ("post", "get")


def admin_urls():
    return [
        path(
            "writing-checks/<int:page_id>/",
            WritingChecksOnEdit.as_view(),
            name="writing_checks_on_edit",
        ),
        path(
            "writing-checks/add/<slug:content_type_app_name>/<slug:content_type_model_name>/"
            "<int:parent_page_id>/",
            WritingChecksOnCreate.as_view(),
            name="writing_checks_on_add",
        ),
    ]
