"""Add N live articles under the blog index, in bulk: for the benchmark and the tests of scale.

    python bench/generate_articles.py N    (from the repository root, with the site's settings)

or ``generate_articles(N)`` from a test.

Not through ``add_child``, Wagtail's API for one page: that validates, indexes and records
references one article at a time, about 25 ms each here (1,000 articles in 24 s, the next
1,000 in 29 s), so 10,000 would take five minutes or more, against seconds in bulk. Bulk,
with documented APIs only: the page rows through ``bulk_create``, their places in the tree
from treebeard's own number encoding (``search/tree_places.py``), the articles' own rows in one
``executemany`` (Django's ``bulk_create`` refuses a model with a parent table), then one
bulk search-index update. No revisions: only the admin's history would show them.
"""

import datetime
import os
import sys
import time
import uuid
from pathlib import Path

BATCH = 500
WORDS = (
    "tension ease shoulder neck back posture sleep stress recovery stretch muscle "
    "fascia breath warmth pressure rest movement relief calm sport desk"
).split()


def _text(number: int, length: int) -> str:
    return " ".join(WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(length))


def _insert_own_rows(model, objects) -> None:
    """INSERT each object's row in the model's own table, not in its parents' tables."""
    from django.db import connection

    fields = model._meta.local_concrete_fields
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def generate_articles(count: int) -> float:
    """Add ``count`` live articles in one transaction; returns the seconds it took."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page
    from wagtail.rich_text import RichText
    from wagtail.search.backends import get_search_backend

    from blog.models import Author, BlogIndexPage, BlogPage
    from caching import page_cache
    from search.tree_places import child_path, place_among_siblings

    started = time.monotonic()
    with transaction.atomic():
        index = BlogIndexPage.objects.get()
        model = BlogPage.objects.child_of(index).first()
        last_child = index.get_last_child()
        last_position = place_among_siblings(last_child) if last_child else 0
        shared = {
            "content_type": ContentType.objects.get_for_model(BlogPage),
            "locale": Locale.get_default(),
            "author": Author.objects.first(),
            "hero_image": model.hero_image if model else None,
            "depth": index.depth + 1,
            "numchild": 0,
            "live": True,
            "has_unpublished_changes": False,
        }
        now = timezone.now()
        pages = []
        for offset in range(1, count + 1):
            number = index.numchild + offset
            slug = f"generated-article-{uuid.uuid4().hex[:12]}"
            pages.append(
                BlogPage(
                    **shared,
                    title=f"Generated guide {number}: {_text(number, 4)}",
                    draft_title=f"Generated guide {number}",
                    slug=slug,
                    translation_key=uuid.uuid4(),
                    path=child_path(index, last_position + offset),
                    url_path=f"{index.url_path}{slug}/",
                    first_published_at=now,
                    last_published_at=now,
                    latest_revision_created_at=now,
                    date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number % 2000),
                    intro=_text(number, 30),
                    body=[("paragraph", RichText(f"<p>{_text(number, 120)}</p>"))],
                )
            )
        for start in range(0, len(pages), BATCH):
            batch = pages[start : start + BATCH]
            Page.objects.bulk_create(batch, batch_size=BATCH)
            # The ids by path: bulk_create sets them only where the database returns them.
            ids = dict(
                Page.objects.filter(path__in=[page.path for page in batch]).values_list(
                    "path", "id"
                )
            )
            for page in batch:
                page.id = page.page_ptr_id = ids[page.path]
            _insert_own_rows(BlogPage, batch)
        Page.objects.filter(pk=index.pk).update(numchild=index.numchild + count)
        get_search_backend().add_bulk(BlogPage, pages)
        page_cache.invalidate()
    return time.monotonic() - started


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit("usage: python bench/generate_articles.py N")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings.dev")
    import django

    django.setup()
    count = int(argv[0])
    print(f"Generated {count} articles in {generate_articles(count):.1f}s")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
