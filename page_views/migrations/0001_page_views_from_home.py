"""Page views, from home (home/migrations/0010 renamed their table to this app's name).

Only the state is created here: the table, its rows and their ids are the ones the site
already has. The content type is relabelled in place, so its permissions, and every group
and user granted them, keep pointing at the same row.
"""

from django.db import migrations, models

MOVED_MODEL = "pageviewday"


def relabel_content_type(old_app: str, new_app: str):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=old_app, model=MOVED_MODEL).exists():
            return  # a new database: its content types are made after migrating
        # A row for the new place can only have been made by the new code running before
        # this migration; nothing can be granted under it yet. The old row carries on.
        ContentType.objects.filter(app_label=new_app, model=MOVED_MODEL).delete()
        ContentType.objects.filter(app_label=old_app, model=MOVED_MODEL).update(
            app_label=new_app
        )

    return relabel


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("home", "0011_page_views_move_to_their_app"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PageViewDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("path", models.CharField(max_length=255)),
                        ("day", models.DateField(db_index=True)),
                        ("views", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "page views on a day",
                        "verbose_name_plural": "page views by day",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("path", "day"), name="one_page_view_count_a_day"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            relabel_content_type("home", "page_views"),
            relabel_content_type("page_views", "home"),
        ),
    ]
