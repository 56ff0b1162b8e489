"""Page views move to their own app (page_views/migrations/0001 takes them up).

Here the table is renamed to page_views' name and the model leaves home's state. Nothing is
copied or dropped: every row keeps its id, and the content type, which page_views/0001
relabels, keeps its permissions.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0010_strip_metadata_from_stored_images"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("pageviewday", "page_views_pageviewday"),
            ],
            state_operations=[
                migrations.DeleteModel("PageViewDay"),
            ],
        ),
    ]
