"""Page views counted before the rule kept them out: client links (each a key to a booking),
the calendar feed, password-reset links and forms' thank-you pages. Their rows are deleted;
every other row stays as it was.

The rule is written here as it stood when this ran (page_views/counting.py ``is_page_path``
holds it now): page_views sits above home, and a migration must not change with the code."""

from django.conf import settings
from django.db import migrations

from secret_paths.redaction import carries_secret

NOT_PAGES = ("/admin/", "/django-admin/", "/documents/", "/search/", "/cms/")
ANSWER_PAGES = ("/thanks/",)
MAX_PATH_LENGTH = 255


def is_page_path(path: str) -> bool:
    if len(path) > MAX_PATH_LENGTH or path.startswith(
        (*NOT_PAGES, settings.STATIC_URL, settings.MEDIA_URL)
    ):
        return False
    return not path.endswith(ANSWER_PAGES) and not carries_secret(path)


def forget_paths_that_are_not_pages(apps, schema_editor):
    PageViewDay = apps.get_model("home", "PageViewDay")
    paths = PageViewDay.objects.values_list("path", flat=True).distinct()
    not_pages = [path for path in paths if not is_page_path(path)]
    for start in range(0, len(not_pages), 500):
        PageViewDay.objects.filter(path__in=not_pages[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("home", "0008_search_title_and_body_index")]

    operations = [
        migrations.RunPython(forget_paths_that_are_not_pages, migrations.RunPython.noop),
    ]
