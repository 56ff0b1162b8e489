"""On PostgreSQL, a GIN index over each search entry's title and body together.

Wagtail's database backend there matches a search against ``title || body``, which its
own GIN indexes (one per column) cannot serve: every search read every entry's text
(bench/RESULTS.md, search on PostgreSQL). SQLite searches its own FTS5 table instead.
"""

from django.db import migrations

INDEX = "home_search_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {schema_editor.quote_name(table)} "
        "USING gin ((title || body))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0007_page_views_by_day"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
