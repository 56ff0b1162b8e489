"""Local development: debugging on, an insecure key that never leaves a laptop."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "django-insecure-development-only-key"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INTERNAL_IPS = ["127.0.0.1"]

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# `make run` has no email worker: a request's emails go to the console right after its
# commit. Console email never hangs. With real SMTP here, a slow server slows that request;
# an email that failed waits for `manage.py send_pending_notifications`.
NOTIFICATIONS_SEND_AFTER_COMMIT = True
