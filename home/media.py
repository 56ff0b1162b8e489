"""Media for a one-server site: the renditions pages show, and nothing else under MEDIA_ROOT."""

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_GET
from django.views.static import serve
from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_serve_document

# Every answer from /documents/<id>/<name> is for the one who asked: a shared cache (a CDN
# in front of the site) never keeps a document, and never one a collection restricts.
DOCUMENT_CACHE_CONTROL = "private"
RESTRICTED_DOCUMENT_CACHE_CONTROL = "private, no-store"
RENDITIONS_DIR = "images"
# A rendition's stored name: one segment of letters, digits, "-", "_" and ".", as Django's
# storage names files (get_valid_filename), never starting or ending with a dot.
RENDITION_NAME = re.compile(r"\w(?:[\w.-]*\w)?")


def public_rendition(path: str) -> Path | None:
    """The rendition file ``path`` (already URL-decoded by Django) names, or None.

    The decision is made on the decoded path as a whole, before anything resolves it: it
    must be the renditions folder and one plain file name, so no spelling of a dot segment,
    an extra slash, a backslash or a second encoding reaches another folder. The resolved
    file must then still be a regular file directly inside the renditions folder (a symlink
    placed there cannot lead out)."""
    folder, _, name = path.partition("/")
    if folder != RENDITIONS_DIR or not RENDITION_NAME.fullmatch(name):
        return None
    renditions = (Path(settings.MEDIA_ROOT) / RENDITIONS_DIR).resolve()
    resolved = (renditions / name).resolve()
    if resolved.parent != renditions or not resolved.is_file():
        return None
    return resolved


@require_GET
def serve_media(request, path):
    """The renditions pages show, for a one-server deployment; they never change, so they are
    cached for a year. Nothing else under MEDIA_ROOT is public: an original image may carry
    its camera's metadata and is never linked, and documents go through /documents/, where
    Wagtail checks who may read them. Every refusal is a plain 404, never cached as public."""
    rendition = public_rendition(path)
    if rendition is None:
        raise Http404("Only image renditions are public.")
    response = serve(request, rendition.name, document_root=rendition.parent)
    if response.status_code in (200, 304):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def serve_document(request, document_id, document_filename):
    """Wagtail's document view (its collection's rules, its headers), with Cache-Control
    set on every answer: the file, the sign-in redirect and the password page alike.
    Wagtail's ``before_serve_document`` hook can only replace an answer, not add a header
    to the file, hence this wrapper at the same address."""
    response = wagtail_serve_document(request, document_id, document_filename)
    document = (
        get_document_model().objects.select_related("collection").filter(pk=document_id).first()
    )
    restricted = document is not None and document.collection.get_view_restrictions().exists()
    response["Cache-Control"] = (
        RESTRICTED_DOCUMENT_CACHE_CONTROL if restricted else DOCUMENT_CACHE_CONTROL
    )
    return response
