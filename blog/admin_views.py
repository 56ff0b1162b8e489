"""The therapist's "Import a guide" page: a document in, a draft guide out, to review and publish."""

import tempfile
from pathlib import Path

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
    MARKDOWN_TYPES,
    check_parent,
    check_size,
    default_parent,
    import_guide,
    made,
    read_document,
    read_pasted,
)

MOST_PICTURES = 30


class PicturesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PicturesField(forms.FileField):
    """Several files from one chooser, as Django's documentation shows for multiple uploads."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PicturesField, self).clean(file, initial) for file in files]


class GuideImportForm(forms.Form):
    document = forms.FileField(
        required=False,
        label="Document",
        help_text="A .docx (Word), .md (Markdown) or .txt (plain text) file of at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_TYPES)}),
    )
    pictures = PicturesField(
        required=False,
        label="Its pictures (for a Markdown file)",
        help_text="A .md file names its pictures; choose them here too, at most 5 MB each. "
        "A Word file brings its own pictures.",
        widget=PicturesInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
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
                cleaned["elements"] = self.read_with_pictures(document)
            else:
                cleaned["elements"] = read_pasted(text)
        except GuideImportError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned

    def read_with_pictures(self, document):
        """The document read with the pictures chosen beside it, as if they sat in its folder:
        a Markdown file links its pictures by name. Only plain names are kept."""
        pictures = self.cleaned_data.get("pictures") or []
        if len(pictures) > MOST_PICTURES:
            raise GuideImportError(f"Choose at most {MOST_PICTURES} pictures at a time.")
        if not pictures or Path(document.name).suffix.lower() not in MARKDOWN_TYPES:
            return read_document(document.name, document.read())
        with tempfile.TemporaryDirectory(prefix="guide-pictures-") as folder:
            for picture in pictures:
                check_size(picture.name, picture.size)
                name = Path(picture.name).name
                if name and not name.startswith("."):
                    (Path(folder) / name).write_bytes(picture.read())
            return read_document(document.name, document.read(), Path(folder))


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
