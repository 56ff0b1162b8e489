from django.apps import AppConfig


class SecretPathsConfig(AppConfig):
    name = "secret_paths"
