"""Page views counted before the rule kept them out: client links (each a key to a booking),
the calendar feed, password-reset links and forms' thank-you pages. Their rows are deleted;
every other row stays as it was."""

from django.db import migrations

from home.page_views import is_page_path


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
