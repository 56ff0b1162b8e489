from django.apps import AppConfig


class DeletedBlocksConfig(AppConfig):
    name = "deleted_blocks"
