from django.apps import AppConfig


class SecurityHeadersConfig(AppConfig):
    name = "security_headers"
