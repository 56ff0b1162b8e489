"""Pictures stored before camera metadata was removed on upload keep their GPS position,
device and time, and so do the renditions made from them (the og:image among them). Each
such original is stored again without it, and its renditions are deleted, to be made again
from the clean original (home/image_metadata.py, ``strip_stored_images``)."""

from django.db import migrations

from home.image_metadata import strip_stored_images


def strip_metadata_from_stored_images(apps, schema_editor):
    strip_stored_images(
        apps.get_model("wagtailimages", "Image"), apps.get_model("wagtailimages", "Rendition")
    )


class Migration(migrations.Migration):
    # One image at a time, each in its own transaction: a file is never deleted while a row
    # that a later failure would roll back still names it.
    atomic = False

    dependencies = [
        ("home", "0009_forget_page_views_of_secret_paths"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.RunPython(strip_metadata_from_stored_images, migrations.RunPython.noop),
    ]
