from django.apps import AppConfig


class PageViewsConfig(AppConfig):
    name = "page_views"
