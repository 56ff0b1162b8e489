from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"

    def ready(self):
        from . import image_metadata, images

        image_metadata.connect_signals()
        images.limit_pillow()
