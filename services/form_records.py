"""What the forms' protection keeps: the one-time tokens already used, and the posts put in
quarantine. Models of ``services`` in a module of their own, so that the form handlers, which
``services.models`` imports for its page routes, can use them without importing the pages.
"""

from django.db import models
from django.utils import timezone


class SubmissionToken(models.Model):
    """A used one-time form token: the same form posted twice stores one submission."""

    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return self.token


class QuarantinedSubmission(models.Model):
    """A post that looked automated (honeypot filled, sent too fast). Kept, never emailed."""

    form = models.CharField(max_length=20, choices=[("booking", "Booking"), ("contact", "Contact")])
    reason = models.CharField(max_length=40)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "quarantined submission"

    def __str__(self):
        return f"Quarantined {self.form} submission #{self.pk} ({self.reason})"
