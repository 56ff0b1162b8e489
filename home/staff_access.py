"""Password guessing against the admin: django-axes, configured in settings.

Axes counts failed sign-ins per username and client address (the pair) and refuses the pair
for ``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures. This module adds three things
it does not do by itself:

- ``HttpRequestAxesBackend``: guards every sign-in that comes over HTTP and lets code without a
  request (the shell, the test client's ``login()``) through, as no one guesses from there;
- ``lockout_response``: the polite page, saying when to try again and whom to ask;
- ``PasswordResetThrottleMiddleware``: the password-reset form authenticates nothing, so axes
  never sees it. Each reset request is counted as an attempt of the (email, address) pair in
  axes' own records, and the same limit, cool-off, lockout page and unlock command apply.

Beside it, ``idle_session_middleware`` makes a signed-in session end after
``SESSION_COOKIE_AGE`` (8 hours) without use.
"""

import datetime
import time

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
from django.shortcuts import render
from django.utils import timezone

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
        "admin_access/lockout.html",
        {
            "try_again_at": timezone.localtime(try_again_at),
            "wait_minutes": max(1, round(wait.total_seconds() / 60)),
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, int(wait.total_seconds())))
    return response


class PasswordResetThrottleMiddleware:
    """Counts password-reset requests like failed sign-ins, per (email, address) pair.

    A reset request is no failure, but it is how someone probes which addresses have accounts
    or floods a therapist's inbox; five in the cool-off period is already more than a person
    needs. Counting it through axes keeps one store, one limit and one unlock command.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None or match.url_name != PASSWORD_RESET_URL_NAME:
            return None
        credentials = get_credentials(request.POST.get("email", "").strip().lower()[:254])
        if not AxesProxyHandler.is_allowed(request, credentials):
            return get_lockout_response(request, credentials=credentials)
        # Sent as Django sends a failed sign-in, the signal axes listens to: axes counts and
        # logs it, and at the limit its middleware answers this request with the lockout page.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return None


# -- idle sessions ---------------------------------------------------------------

SESSION_RENEWED_AT = "_idle_timer_renewed_at"
RENEW_AFTER_SECONDS = 5 * 60


def idle_session_middleware(get_response):
    """Starts a signed-in session's SESSION_COOKIE_AGE again when it is used, at most every five
    minutes, so it ends that long after its last use. (SESSION_SAVE_EVERY_REQUEST would write
    the session on each of an admin page's parallel requests.)"""

    def middleware(request):
        response = get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        if now - session.get(SESSION_RENEWED_AT, 0) >= RENEW_AFTER_SECONDS:
            session[SESSION_RENEWED_AT] = now  # saved, with a new expiry, by SessionMiddleware
        return response

    return middleware
