"""Local development: debugging on, an insecure key that never leaves a laptop."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INTERNAL_IPS = ["127.0.0.1"]

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# `make run` has no task worker: send emails at once, to the console. Console email never
# hangs, so the request is not slowed. With real SMTP, run the database queue and its worker.
TASKS = {
    **TASKS,  # noqa: F405
    "notifications": {
        "BACKEND": os.environ.get(
            "DJANGO_NOTIFICATIONS_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["notifications"],
    },
}
