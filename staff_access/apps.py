from django.apps import AppConfig


class StaffAccessConfig(AppConfig):
    name = "staff_access"
