"""Add N articles under the blog index in a few bulk queries: for load tests and benchmarks."""

import datetime
import json
import time
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from blog.models import Author, BlogIndexPage, BlogPage
from home import page_cache

BATCH = 500
WORDS = (
    "tension ease shoulder neck back posture sleep stress recovery stretch muscle "
    "fascia breath warmth pressure rest movement relief calm sport desk"
).split()


def _text(number: int, length: int) -> str:
    return " ".join(WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(length))


class Command(BaseCommand):
    help = "Generates N live articles under the blog index, fast (bulk inserts, no revisions)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)

    @transaction.atomic
    def handle(self, *args, count, **options):
        started = time.monotonic()
        index = BlogIndexPage.objects.get()
        template = BlogPage.objects.child_of(index).first()
        author = Author.objects.first()
        content_type = ContentType.objects.get_for_model(BlogPage)
        locale = Locale.get_default()
        now = timezone.now()
        first = index.numchild
        last_child = index.get_last_child()
        last_step = (
            BlogIndexPage._str2int(last_child.path[-BlogIndexPage.steplen :]) if last_child else 0
        )
        pages = []
        for offset in range(count):
            number = first + offset + 1
            slug = f"generated-article-{uuid.uuid4().hex[:12]}"
            page = BlogPage(
                title=f"Generated guide {number}: {_text(number, 4)}",
                draft_title=f"Generated guide {number}",
                slug=slug,
                content_type=content_type,
                locale=locale,
                translation_key=uuid.uuid4(),
                path=index.path + BlogIndexPage._get_path(None, 1, last_step + offset + 1),
                depth=index.depth + 1,
                numchild=0,
                url_path=f"{index.url_path}{slug}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
                latest_revision_created_at=now,
                date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number % 2000),
                intro=_text(number, 30),
                author=author,
                hero_image=template.hero_image if template else None,
                body=json.dumps(
                    [
                        {
                            "type": "paragraph",
                            "value": f"<p>{_text(number, 120)}</p>",
                            "id": str(uuid.uuid4()),
                        }
                    ]
                ),
            )
            pages.append(page)
        # Multi-table inheritance: the Page rows first, then each article's own row.
        for start in range(0, len(pages), BATCH):
            batch = pages[start : start + BATCH]
            Page.objects.bulk_create(batch, batch_size=BATCH)
            # Read the new ids back by path: the ids bulk_create sets are not reliable here.
            ids = dict(
                Page.objects.filter(path__in=[page.path for page in batch]).values_list(
                    "path", "id"
                )
            )
            for page in batch:
                page.id = page.page_ptr_id = ids[page.path]
            BlogPage.objects._insert(batch, fields=BlogPage._meta.local_concrete_fields, raw=True)
        Page.objects.filter(pk=index.pk).update(numchild=first + count)
        get_search_backend().add_bulk(BlogPage, pages)
        page_cache.invalidate()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Generated {count} articles in {elapsed:.1f}s")
