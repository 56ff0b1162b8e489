"""The contact page: its form, and a post taken the booking form's one way (see
``services.booking``): screen, check, store, queue, each called once. With the therapist's own fields from Wagtail's form builder. The
message is stored as Wagtail's ``FormSubmission``; its email is a ``Notification`` the worker
sends, never inline, so a failing SMTP server never gives the visitor an error.
"""

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from bookings import notifications
from bookings.models import Notification

from .form_records import SubmissionToken
from .forms import ContactFormBuilder
from .protection import HONEYPOT_FIELD, TOKEN_FIELD, claim_token, issue_form_token
from .screening import Verdict, screen
from .submissions import render_form, render_form_again, thanks, too_many_requests


def contact_form(page, user, *args, **kwargs):
    """The therapist's form, built here rather than through the page's ``get_form``."""
    form_class = ContactFormBuilder(page.get_form_fields()).get_form_class()
    return form_class(*args, page=page, user=user, **kwargs)


@sensitive_variables("screening", "form")
def serve_contact_form(page, request):
    if request.method != "POST":
        form = contact_form(page, request.user, initial={TOKEN_FIELD: issue_form_token()})
        return render_form(page, request, form)

    screening = screen(request, "contact", what="message")
    if screening.verdict is Verdict.RATE_LIMITED:
        return too_many_requests(request)
    if not screening.for_a_person:
        return thanks(page)

    form = contact_form(page, request.user, screening.post)
    valid = form.is_valid()
    if screening.refusal:
        form.add_error(None, screening.refusal)
    if screening.refusal or not valid:
        return render_form(page, request, form, status=400)

    stored = store_contact(page, form.cleaned_data, screening.token)
    if stored is not None:
        notifications.queue(stored[1])
    return thanks(page)


def serve_contact_form_again(page, request):
    """After a refused CSRF check: the form with what the visitor typed, to send again."""
    return render_form_again(
        page, request, lambda initial: contact_form(page, request.user, initial=initial)
    )


@sensitive_variables("cleaned_data", "data")
def store_contact(page, cleaned_data: dict, token: str):
    """In one transaction: claim the form token, save the message and its email's row.
    None, and nothing saved, when the token was used already: the same form posted twice."""
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
            row = Notification.objects.create(
                form_submission=submission, kind=Notification.Kind.CONTACT_PRACTICE
            )
            return submission, [row]
    except IntegrityError:
        if SubmissionToken.objects.filter(token=token).exists():
            return None
        raise
