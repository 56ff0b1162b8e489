"""The therapist's "Import a guide" page: a document in, a draft guide out, to review and publish."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Page

from .guide_elements import GuideImportError
from .guide_import import (
    ACCEPTED_TYPES,
    check_parent,
    check_size,
    default_parent,
    import_guide,
    made,
    read_document,
    read_pasted,
)


class GuideImportForm(forms.Form):
    document = forms.FileField(
        required=False,
        label="Document",
        help_text="A .docx (Word), .md (Markdown) or .txt (plain text) file of at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_TYPES)}),
    )
    text = forms.CharField(
        required=False,
        label="Or paste the text",
        help_text="The first line is the title. Headings are short lines in Title Case.",
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    separate = forms.BooleanField(
        required=False,
        label="Make a separate guide",
        help_text="A guide with the same title is updated with a new draft you can compare "
        "and publish. Tick this to make a separate guide instead.",
    )

    def clean(self):
        cleaned = super().clean()
        document, text = cleaned.get("document"), cleaned.get("text", "")
        if document and text.strip():
            raise forms.ValidationError("Upload a document or paste the text, not both.")
        if not document and not text.strip():
            raise forms.ValidationError("Choose a document to upload, or paste the guide's text.")
        try:
            if document:
                check_size(document.name, document.size)
                cleaned["elements"] = read_document(document.name, document.read())
            else:
                cleaned["elements"] = read_pasted(text)
        except GuideImportError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned


class ImportGuideView(WagtailAdminTemplateMixin, FormView):
    form_class = GuideImportForm
    template_name = "blog/admin/import_guide.html"
    page_title = "Import a guide"
    header_icon = "doc-full-inverse"

    def dispatch(self, request, *args, **kwargs):
        self.parent = self._parent(request)
        if not self.parent.permissions_for_user(request.user).can_add_subpage():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _parent(self, request) -> Page:
        parent_id = request.GET.get("parent")
        try:
            parent = get_object_or_404(Page, pk=int(parent_id)) if parent_id else default_parent()
            return check_parent(parent)
        except (GuideImportError, ValueError) as error:
            raise PermissionDenied(str(error)) from error

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailadmin_explore", args=[self.parent.pk]),
                "label": self.parent.title,
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.parent, **kwargs)

    def form_valid(self, form):
        try:
            guide, draft = import_guide(
                form.cleaned_data["elements"],
                parent=self.parent,
                user=self.request.user,
                separate=form.cleaned_data["separate"],
            )
        except GuideImportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{made(guide, draft)} Check it, then publish it from the menu at the foot of the page.",
        )
        for line in draft.could_not_place():
            messages.warning(self.request, f"Could not place: {line}")
        return redirect("wagtailadmin_pages:edit", guide.pk)
