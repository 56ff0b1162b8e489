"""`manage.py strip_image_metadata`: what home/migrations/0010 did on update, again, for
pictures put back from a backup made before metadata was removed on upload."""

from django.core.management.base import BaseCommand
from wagtail.images import get_image_model

from home.image_metadata import strip_stored_images


class Command(BaseCommand):
    help = (
        "Stores again, without camera metadata (GPS, device, time), every original image "
        "that still carries it, and deletes its renditions so they are made again from the "
        "clean picture. Run it after restoring a backup made before the site removed "
        "metadata on upload; running it again changes nothing."
    )

    def handle(self, *args, **options):
        image_model = get_image_model()
        cleaned = strip_stored_images(image_model, image_model.get_rendition_model())
        self.stdout.write(
            f"Stripped metadata from {cleaned.images} image(s); "
            f"deleted {cleaned.renditions} rendition(s) to be made again."
        )
        for name in cleaned.missing:
            self.stdout.write(f"Not in storage, left as it is: {name!r}")
