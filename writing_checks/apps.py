from django.apps import AppConfig


class WritingChecksConfig(AppConfig):
    name = "writing_checks"
