"""Bring back a deleted block without reverting the whole page.

Every save keeps a revision. A block is "deleted" when an earlier revision of the page
has it (by its block id) and the newest has not. Putting it back appends it to the end of
its field in a new draft revision: nothing is published, and the rest of the page is as
she left it.
"""

import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.text import Truncator
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.blocks import StreamValue
from wagtail.fields import StreamField
from wagtail.models import Page

# How far back to look: enough for weeks of editing, bounded for a page saved every minute.
REVISIONS_SEARCHED = 100


@dataclass(frozen=True)
class DeletedBlock:
    field: str
    block_id: str
    raw: dict
    label: str
    preview: str
    revision_id: int
    last_seen: object  # the revision's created_at


def stream_fields(page) -> list[str]:
    return [field.name for field in page._meta.get_fields() if isinstance(field, StreamField)]


def raw_stream(content: dict, field: str) -> list[dict]:
    value = content.get(field) or []
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return [block for block in value if isinstance(block, dict)]


def describe(page, field: str, raw: dict) -> tuple[str, str]:
    """A block's label and a line of its text, as the editor would recognise it."""
    stream_block = page._meta.get_field(field).stream_block
    child = StreamValue(stream_block, [raw], is_lazy=True)[0]
    text = " ".join(str(piece) for piece in child.block.get_searchable_content(child.value))
    return str(child.block.label), Truncator(text).chars(120)


def deleted_blocks(page) -> list[DeletedBlock]:
    """Blocks of earlier revisions that the newest revision no longer has, newest first."""
    page = page.specific
    latest = page.get_latest_revision_as_object()
    fields = stream_fields(page)
    present = {
        block.get("id")
        for field in fields
        for block in raw_stream({field: getattr(latest, field).raw_data}, field)
    }
    found: dict[str, DeletedBlock] = {}
    revisions = page.revisions.order_by("-created_at", "-id")[:REVISIONS_SEARCHED]
    for revision in revisions:
        for field in fields:
            for raw in raw_stream(revision.content, field):
                block_id = raw.get("id")
                if not block_id or block_id in present or block_id in found:
                    continue
                label, preview = describe(page, field, raw)
                found[block_id] = DeletedBlock(
                    field, block_id, raw, label, preview, revision.pk, revision.created_at
                )
    return list(found.values())


def put_back(page, block_id: str, user):
    """Append a deleted block to a new draft revision of the page; returns the revision."""
    page = page.specific
    block = next((found for found in deleted_blocks(page) if found.block_id == block_id), None)
    if block is None:
        raise LookupError("That block is no longer among the deleted ones.")
    draft = page.get_latest_revision_as_object()
    stream = getattr(draft, block.field)
    stream_block = page._meta.get_field(block.field).stream_block
    setattr(
        draft,
        block.field,
        StreamValue(stream_block, [*stream.raw_data, block.raw], is_lazy=True),
    )
    return draft.save_revision(user=user, log_action=True)


class DeletedBlocksView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "deleted_blocks/index.html"
    page_title = "Deleted blocks"
    header_icon = "history"

    def dispatch(self, request, page_id):
        self.page = get_object_or_404(Page, pk=page_id).specific
        if not self.page.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
                "label": self.page.get_admin_display_title(),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.page, deleted=deleted_blocks(self.page), **kwargs)

    def post(self, request, page_id):
        try:
            put_back(self.page, request.POST.get("block_id", ""), request.user)
        except LookupError as error:
            messages.error(request, str(error))
            return redirect("deleted_blocks", self.page.pk)
        except ValidationError as error:
            messages.error(
                request,
                "That block cannot go back as it is: " + " ".join(error.messages),
            )
            return redirect("deleted_blocks", self.page.pk)
        messages.success(
            request,
            "The block is back, at the end of the page, in a new draft. Move it where it "
            "belongs, then publish when you are ready: nothing is published yet.",
        )
        return redirect("wagtailadmin_pages:edit", self.page.pk)


def admin_urls():
    return [
        path(
            "pages/<int:page_id>/deleted-blocks/",
            DeletedBlocksView.as_view(),
            name="deleted_blocks",
        )
    ]
