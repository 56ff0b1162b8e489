"""Password guessing against the admin: django-axes, configured in settings.

Axes counts failed sign-ins per username and client address (the pair) and refuses the pair
for ``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures. This module adds three things
it does not do by itself:

- ``HttpRequestAxesBackend``: guards every sign-in that comes over HTTP and lets code without a
  request (the shell, the test client's ``login()``) through, as no one guesses from there;
- ``lockout_response``: the polite page, saying when to try again and whom to ask;
- ``PasswordGuessingMiddleware``: the forms that ask for a password without signing in
  (password reset, a private page's or document's password, the two-step code, changing a
  password: ``PASSWORD_FORMS``) are counted as attempts in axes' own records, and the same
  limit, cool-off, lockout page and unlock command apply. A refused post never reaches its
  view: a limited reset request sends no email.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_credentials,
    get_lockout_response,
)
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from security_headers.middleware import is_admin_path

PASSWORD_RESET_URL_NAME = "wagtailadmin_password_reset"


class HttpRequestAxesBackend(AxesStandaloneBackend):
    """Axes' guard for sign-ins over HTTP, which always carry their request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def retry_time(request, credentials=None) -> datetime.datetime:
    """When the pair's cool-off ends: its latest counted failure plus the cool-off."""
    latest = (
        AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (latest or timezone.now()) + get_cool_off(request)


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: HTTP 429 with the lockout page and a Retry-After."""
    try_again_at = retry_time(request, credentials)
    wait = max(try_again_at - timezone.now(), datetime.timedelta(0))
    response = render(
        request,
        # A visitor's page password or sign-in gets the site's own page; staff the admin's.
        "staff_access/lockout.html"
        if is_admin_path(request.path)
        else "staff_access/visitor_lockout.html",
        {
            "try_again_at": timezone.localtime(try_again_at),
            "wait_minutes": max(1, round(wait.total_seconds() / 60)),
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, int(wait.total_seconds())))
    return response


@dataclass(frozen=True)
class PasswordForm:
    """A form that asks for a password (or a code) without going through ``authenticate``,
    so axes does not see it by itself.

    ``counted``: what counts as a try. "request": every post (a reset request sends an
    email, so the limit is decided before the view runs); "old password": a post whose
    current password is wrong (checked here, before the view, as the form will); "answer":
    a post the view did not accept, i.e. did not answer with a redirect.
    ``whose``: the name the tries count under, beside the address.
    """

    counted: str
    whose: Callable[[HttpRequest], str]
    old_password_field: str = ""


def _email_given(request) -> str:
    return request.POST.get("email", "").strip().lower()[:254]


def _signed_in_user(request) -> str:
    return request.user.get_username() if request.user.is_authenticated else ""


def _any_page_password(request) -> str:
    # One count per address for every private page and document collection: guessing
    # across several sections is still guessing.
    return PAGE_PASSWORD_NAME


# Every place a password is asked outside ``authenticate`` (the sign-in pages, Wagtail's and
# Django's admin and /_util/login/, go through it and axes counts them itself), by view name.
PASSWORD_FORMS = {
    PASSWORD_RESET_URL_NAME: PasswordForm("request", _email_given),
    "wagtailcore_authenticate_with_password": PasswordForm("answer", _any_page_password),
    "wagtaildocs_authenticate_with_password": PasswordForm("answer", _any_page_password),
    "two_factor_verify": PasswordForm("answer", _signed_in_user),
    "wagtailadmin_account": PasswordForm(
        "old password", _signed_in_user, old_password_field="password-old_password"
    ),
    "admin:password_change": PasswordForm(
        "old password", _signed_in_user, old_password_field="old_password"
    ),
}
PAGE_PASSWORD_NAME = "(page password)"  # no username can hold brackets or a space


def _count_failure(request, credentials) -> None:
    # Sent as Django sends a failed sign-in, the signal axes listens to: axes counts and logs
    # it, and marks the request locked out when it reaches the limit.
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)


class PasswordGuessingMiddleware:
    """Counts the tries of every form in ``PASSWORD_FORMS`` like failed sign-ins, per (name,
    address) pair, in axes' own records: the same limit, cool-off, lockout page and unlock
    commands as the sign-in. A refused pair's post never reaches the view, so nothing it would
    do (an email sent, a password checked, a section opened) happens.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        credentials = getattr(request, "_password_form_credentials", None)
        if credentials is None:
            return response
        if response.status_code in (301, 302, 303):
            # Accepted: the pair's count starts again, as after a successful sign-in.
            AxesProxyHandler.reset_attempts(
                ip_address=request.axes_ip_address, username=credentials["username"]
            )
            return response
        _count_failure(request, credentials)
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, credentials=credentials)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        form = PASSWORD_FORMS.get(match.view_name) if match else None
        if form is None or request.method != "POST":
            return None
        credentials = get_credentials(form.whose(request))
        if not AxesProxyHandler.is_allowed(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        if form.counted == "answer":
            request._password_form_credentials = credentials
            return None
        if form.counted == "old password":
            given = request.POST.get(form.old_password_field, "")
            if not given or request.user.check_password(given):
                return None
        _count_failure(request, credentials)
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, credentials=credentials)
        return None
