from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "availability"
    label = "availability"
    verbose_name = "Free times"
