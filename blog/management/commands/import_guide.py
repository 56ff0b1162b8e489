"""manage.py import_guide PATH [--parent URL_PATH] [--separate]: a document → a draft guide,
never published. It says what it made and every line it could not place, and exits non-zero
only when it made nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from wagtail.models import Page, Site

from blog.guide_elements import GuideImportError
from blog.guide_import import check_size, import_guide, made, read_document


class Command(BaseCommand):
    help = (
        "Import a guide from a .txt, .md or .docx file as a draft under the guides index, and "
        "print the address of its page in the admin, where it is reviewed and published."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The document: a .txt, .md or .docx file")
        parser.add_argument(
            "--parent",
            metavar="URL_PATH",
            help="The page to put the guide under, by its address, e.g. /blog/ "
            "(the guides index unless given)",
        )
        parser.add_argument(
            "--separate",
            action="store_true",
            help="Make a separate guide even if one with the same title is there "
            "(otherwise that guide gets a new draft)",
        )

    def handle(self, *args, path, parent=None, separate=False, **options):
        source = Path(path)
        try:
            if not source.is_file():
                raise CommandError(f"{path}: no such file.")
            check_size(source.name, source.stat().st_size)
            elements = read_document(source.name, source.read_bytes(), folder=source.parent)
            guide, draft = import_guide(
                elements, parent=self._parent(parent) if parent else None, separate=separate
            )
        except (GuideImportError, OSError) as error:
            raise CommandError(f"{path}: {error}") from error
        self.stderr.write(made(guide, draft))
        for line in draft.could_not_place():
            self.stderr.write(f"Could not place: {line}")
        edit_path = reverse("wagtailadmin_pages:edit", args=[guide.pk])
        base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
        self.stdout.write(f"{base}{edit_path}")

    def _parent(self, url_path: str) -> Page:
        """The page at ``url_path`` on the default site ("/blog/"), or its tree path."""
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        wanted = "/" + url_path.strip("/") + "/" if url_path.strip("/") else "/"
        candidates = []
        if site:
            candidates.append(site.root_page.url_path.rstrip("/") + wanted)
        candidates.append(wanted)
        for candidate in candidates:
            page = Page.objects.filter(url_path=candidate).first()
            if page:
                return page
        raise GuideImportError(f"No page has the address {url_path}.")
