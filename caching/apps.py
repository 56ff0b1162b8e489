from django.apps import AppConfig


class CachingConfig(AppConfig):
    name = "caching"

    def ready(self):
        from . import page_cache

        page_cache.connect_signals()
