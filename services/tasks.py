"""Background tasks, run by Django's task framework (django-tasks)."""

from django_tasks import task

from . import notifications


@task(backend="notifications", queue_name="notifications")
def deliver_notification(notification_id: int) -> str:
    """Send one email. Failures are recorded on the row and retried later, never raised."""
    return notifications.deliver(notification_id)
