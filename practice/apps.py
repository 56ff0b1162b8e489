from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class PracticeConfig(AppConfig):
    name = "practice"

    def ready(self):
        from . import checks, public_address  # noqa: F401 (checks registers itself)

        # Once per migrate: the Site is wagtailcore's, and its table exists by then.
        post_migrate.connect(
            public_address.apply_after_migrate, sender=apps.get_app_config("wagtailcore")
        )
