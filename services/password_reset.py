"""The admin's password-reset email goes through the email queue, like every other email.

Django's form sends the email inside the request and only logs a failure: with the mail
server down the link is lost and the therapist is told it is on its way. Here the form
writes a ``Notification`` row instead (bookings/notifications.py), which the worker sends
and retries until the mail server takes it. Settings name this form in
``WAGTAILADMIN_USER_PASSWORD_RESET_FORM``.
"""

from django.template import loader
from wagtail.admin.forms.auth import PasswordResetForm

from bookings import notifications
from bookings.models import Notification


class QueuedPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Plain text only, as every email of the site (bookings/notifications.py).
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        notifications.create(
            [
                Notification(
                    kind=Notification.Kind.PASSWORD_RESET,
                    recipient=to_email,
                    subject=subject[:300],
                    body=loader.render_to_string(email_template_name, context),
                )
            ]
        )
