"""Taking a contact message: check it, store it, then notify. In that order.

The same path as a booking request (``services.booking``, both through
``services.submissions``), with the therapist's own fields from Wagtail's form builder. The
message is stored as Wagtail's ``FormSubmission``; its email is a ``Notification`` the worker
sends, never inline, so a failing SMTP server never gives the visitor an error.
"""

from django import forms
from django.views.decorators.debug import sensitive_variables
from wagtail.contrib.forms.forms import BaseForm, FormBuilder
from wagtail.contrib.forms.models import FormSubmission

from . import notifications
from .models import Notification
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ProtectedFormMixin,
    issue_form_token,
    validate_multi_line,
    validate_single_line,
)
from .submissions import handle_post, render_form, render_form_again, store_once

MESSAGE_MAX_LENGTH = 5000


class ContactFormBase(ProtectedFormMixin, BaseForm):
    @property
    def person_fields(self):
        """The fields people fill in: not the hidden token, not the honeypot."""
        return [field for field in self if field.name not in (TOKEN_FIELD, HONEYPOT_FIELD)]


class ContactFormBuilder(FormBuilder):
    """Wagtail's form builder, with limits and clean-input rules on every text field."""

    def create_singleline_field(self, field, options):
        formfield = super().create_singleline_field(field, options)
        formfield.validators.append(validate_single_line)
        return formfield

    def create_multiline_field(self, field, options):
        options["max_length"] = MESSAGE_MAX_LENGTH
        options.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        formfield = super().create_multiline_field(field, options)
        formfield.validators.append(validate_multi_line)
        return formfield

    def create_email_field(self, field, options):
        options["max_length"] = 254
        formfield = super().create_email_field(field, options)
        formfield.validators.append(validate_single_line)
        return formfield

    def get_form_class(self):
        return type("ContactForm", (ContactFormBase,), self.formfields)


def serve_contact_form(page, request):
    if request.method != "POST":
        form = page.get_form(
            page=page, user=request.user, initial={TOKEN_FIELD: issue_form_token()}
        )
        return render_form(page, request, form)
    return handle_post(
        page,
        request,
        form_name="contact",
        bind_form=lambda post: page.get_form(post, page=page, user=request.user),
        store=lambda data, token: store_contact(page, data, token),
        what="message",
    )


def serve_contact_form_again(page, request):
    """After a refused CSRF check: the form with what the visitor typed, to send again."""
    return render_form_again(
        page,
        request,
        lambda initial: page.get_form(page=page, user=request.user, initial=initial),
    )


@sensitive_variables("cleaned_data")
def store_contact(page, cleaned_data: dict, token: str) -> FormSubmission | None:
    """Commit the message with its email, for the worker to send. None if a repeat."""
    return store_once(token, lambda: create_message(page, cleaned_data))


@sensitive_variables("cleaned_data", "data")
def create_message(page, cleaned_data: dict) -> FormSubmission:
    data = {
        name: value
        for name, value in cleaned_data.items()
        if name not in (TOKEN_FIELD, HONEYPOT_FIELD)
    }
    submission = page.get_submission_class().objects.create(form_data=data, page=page)
    notifications.create(
        [Notification(form_submission=submission, kind=Notification.Kind.CONTACT_PRACTICE)]
    )
    return submission
