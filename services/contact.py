"""The contact page's form: the therapist's own fields, with the booking form's safeguards.

The message is stored as Wagtail's ``FormSubmission``; its email is a ``Notification`` sent
after the commit, never inline, so a failing SMTP server never gives the visitor an error.
"""

from django import forms
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_variables
from wagtail.contrib.forms.forms import BaseForm, FormBuilder
from wagtail.contrib.forms.models import FormSubmission

from . import notifications
from .booking import claim_token, oversized, screen_post
from .models import Notification, SubmissionToken
from .protection import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    ProtectedFormMixin,
    describe_errors,
    issue_form_token,
    validate_multi_line,
    validate_single_line,
)

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


def render_contact_form(page, request, form, status=200):
    describe_errors(form)
    context = page.get_context(request)
    context["form"] = form
    return TemplateResponse(request, page.get_template(request), context, status=status)


def serve_contact_form(page, request):
    thanks_url = page.url + page.reverse_subpage("thanks")
    if request.method != "POST":
        form = page.get_form(
            page=page, user=request.user, initial={TOKEN_FIELD: issue_form_token()}
        )
        return render_contact_form(page, request, form)

    outcome, token = screen_post(request, "contact")
    if isinstance(outcome, TemplateResponse):
        return outcome
    if outcome == "spam":
        return HttpResponseRedirect(thanks_url)

    post = request.POST.copy()
    if token == "expired":
        post[TOKEN_FIELD] = issue_form_token()
    form = page.get_form(post, page=page, user=request.user)
    valid = form.is_valid()
    if oversized(request.POST):
        form.add_error(None, "Some of what you sent is far too long. Please shorten it.")
        return render_contact_form(page, request, form, status=400)
    if token == "expired":
        form.add_error(
            None,
            "This form was open for a long time, so for your security we did not send it. "
            "Please check your message and send it again.",
        )
        return render_contact_form(page, request, form, status=400)
    if not valid:
        return render_contact_form(page, request, form, status=400)
    store_contact(page, form.cleaned_data, token)
    return HttpResponseRedirect(thanks_url)


@sensitive_variables("cleaned_data", "data")
def store_contact(page, cleaned_data: dict, token: str) -> FormSubmission | None:
    """Commit the message and its notification, then queue the email. None if a repeat."""
    data = {
        name: value
        for name, value in cleaned_data.items()
        if name not in (TOKEN_FIELD, HONEYPOT_FIELD)
    }
    try:
        with transaction.atomic():
            if not claim_token(token):
                return None
            submission = page.get_submission_class().objects.create(form_data=data, page=page)
            notifications.create(
                [Notification(form_submission=submission, kind=Notification.Kind.CONTACT_PRACTICE)]
            )
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise
    return submission
