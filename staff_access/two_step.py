"""Two-step sign-in to the admin: a code from an authenticator app (TOTP), or a backup code.

Built on django-otp: a ``TOTPDevice`` holds the app's secret, a ``StaticDevice`` the backup
codes (each works once). Any admin user may turn it on (Account → Two-step sign-in); from then
on every sign-in asks for a code after the password. With ``STAFF_REQUIRE_2FA`` on, superusers
and members of ``STAFF_REQUIRE_2FA_GROUPS`` must set it up before they can open anything else.

The QR code is inline SVG drawn on the server (segno): no script, no style, no data: URL.
"""

import base64
import secrets
import time

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

BACKUP_CODE_COUNT = 10
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to confuse
BACKUP_CODE_LENGTH = 10
PENDING_KEY_SESSION = "two_factor_pending_key"
NEW_CODES_SESSION = "two_factor_new_backup_codes"
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"

# What a user signed in with only a password may still open: signing in and out, and what
# the admin's own pages load (the icons' sprite is fetched and inlined into every page).
ALWAYS_OPEN = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
}


def must_use_two_steps(user) -> bool:
    """Whether the site requires this user to sign in with a code (STAFF_REQUIRE_2FA)."""
    if not settings.STAFF_REQUIRE_2FA or not user.is_authenticated:
        return False
    return (
        user.is_superuser or user.groups.filter(name__in=settings.STAFF_REQUIRE_2FA_GROUPS).exists()
    )


def has_two_steps(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def step_still_needed(user) -> str | None:
    """The URL name of the step a password-only sign-in must take next, if any."""
    if not user.is_authenticated or user.is_verified():
        return None
    if django_otp.user_has_device(user, confirmed=True):
        return "two_factor_verify"
    if must_use_two_steps(user):
        return "two_factor_set_up"
    return None


class SecondStepMiddleware:
    """After django-otp's OTPMiddleware: until the second step is done, every page leads to it.

    Public pages too: a password alone must not open private sections either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name in ALWAYS_OPEN:
            return None
        step = step_still_needed(request.user)
        if step is None or url_name == step:
            return None
        return redirect_to_login(request.get_full_path(), reverse(step))


# -- codes -----------------------------------------------------------------------


def normalise_code(value: str) -> str:
    return "".join(value.split()).replace("-", "").lower()


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with a fresh set, and return it (shown once)."""
    codes = [
        "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        for _ in range(BACKUP_CODE_COUNT)
    ]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def readable(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def matching_device(user, code: str):
    """The device that accepts this code (a backup code is used up), or None."""
    code = normalise_code(code)
    devices = (
        TOTPDevice.objects.devices_for_user(user, confirmed=True)
        if code.isdigit()
        else StaticDevice.objects.devices_for_user(user, confirmed=True)
    )
    for device in devices:
        if device.verify_token(code):
            return device
    return None


def is_throttled(user) -> bool:
    """django-otp makes each wrong code wait longer (1, 2, 4 … seconds) before the next."""
    return any(
        not device.verify_is_allowed()[0]
        for device in django_otp.devices_for_user(user, confirmed=True)
    )


def secret_for_people(hex_key: str) -> str:
    """The app secret as authenticator apps take it by hand: base32, in groups of four."""
    text = base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(data: str) -> str:
    # A light background of its own, so the code reads in the admin's dark theme too.
    return segno.make(data, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code for your authenticator app"
    )


# -- forms -----------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class SetUpForm(CodeForm):
    def __init__(self, *args, hex_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.hex_key = hex_key
        self.matched = None
        self.fields["code"].label = "The 6-digit code your app shows now"
        self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        totp = TOTP(bytes.fromhex(self.hex_key))
        totp.time = time.time()
        if not (code.isdigit() and totp.verify(int(code), tolerance=1)):
            raise forms.ValidationError(
                "That code does not match. Check the app's clock is right, and enter the code "
                "it shows now."
            )
        self.matched = totp
        return code


class VerifyForm(CodeForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.fields["code"].label = "Code from your authenticator app, or a backup code"

    def clean_code(self):
        code = self.cleaned_data["code"]
        if is_throttled(self.user):
            raise forms.ValidationError(
                "Too many wrong codes in a row. Wait a few seconds, then try again."
            )
        self.device = matching_device(self.user, code)
        if self.device is None:
            raise forms.ValidationError("That code is not right, or it was already used.")
        return code


# -- views -----------------------------------------------------------------------


class TwoStepPage(WagtailAdminTemplateMixin):
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class OverviewView(TwoStepPage, TemplateView):
    page_title = "Two-step sign-in"
    template_name = "staff_access/two_factor_overview.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = StaticDevice.objects.filter(user=user).first()
        return super().get_context_data(
            is_on=has_two_steps(user),
            is_required=must_use_two_steps(user),
            backup_codes_left=device.token_set.count() if device else 0,
            **kwargs,
        )


class SetUpView(TwoStepPage, FormView):
    page_title = "Set up two-step sign-in"
    template_name = "staff_access/two_factor_set_up.html"
    form_class = SetUpForm

    def hex_key(self) -> str:
        session = self.request.session
        if not session.get(PENDING_KEY_SESSION):
            session[PENDING_KEY_SESSION] = random_hex(20)
        return session[PENDING_KEY_SESSION]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "hex_key": self.hex_key()}

    def get_context_data(self, **kwargs):
        user = self.request.user
        key = self.hex_key()
        url = TOTPDevice(user=user, key=key, name=APP_DEVICE_NAME).config_url
        return super().get_context_data(
            qr_code=qr_code_svg(url),
            secret=secret_for_people(key),
            otpauth_url=url,
            is_required=must_use_two_steps(user),
            replaces_device=has_two_steps(user),
            **kwargs,
        )

    def form_valid(self, form):
        user = self.request.user
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(
                user=user,
                name=APP_DEVICE_NAME,
                key=form.hex_key,
                confirmed=True,
                # The step of the code just typed, so it cannot be used again. The drift stays
                # 0: a set-up typed across two 30-second steps says nothing about the app's clock.
                last_t=form.matched.t(),
            )
            codes = new_backup_codes(user)
        django_otp.login(self.request, device)
        self.request.session.pop(PENDING_KEY_SESSION, None)
        self.request.session[NEW_CODES_SESSION] = codes
        return redirect("two_factor_backup_codes")


class VerifyView(FormView):
    """The second step of signing in, shaped like Wagtail's own sign-in page."""

    template_name = "staff_access/two_factor_verify.html"
    form_class = VerifyForm

    def dispatch(self, request, *args, **kwargs):
        if step_still_needed(request.user) != "two_factor_verify":
            return redirect(self.next_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, {self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return reverse("wagtailadmin_home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form):
        django_otp.login(self.request, form.device)
        return redirect(self.next_url())


class BackupCodesView(TwoStepPage, TemplateView):
    """New backup codes are shown once, right after they are made; then only how many remain."""

    page_title = "Backup codes"
    template_name = "staff_access/two_factor_backup_codes.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_two_steps(request.user):
            return redirect("two_factor_overview")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        codes = self.request.session.pop(NEW_CODES_SESSION, None)
        device = StaticDevice.objects.filter(user=self.request.user).first()
        return super().get_context_data(
            new_codes=[readable(code) for code in codes or []],
            codes_left=device.token_set.count() if device else 0,
            **kwargs,
        )

    def post(self, request):
        request.session[NEW_CODES_SESSION] = new_backup_codes(request.user)
        return redirect("two_factor_backup_codes")


def admin_urls():
    """Registered by staff_access/wagtail_hooks.py under /admin/, behind Wagtail's admin check."""
    return [
        path("two-step/", OverviewView.as_view(), name="two_factor_overview"),
        path("two-step/set-up/", SetUpView.as_view(), name="two_factor_set_up"),
        path("two-step/verify/", VerifyView.as_view(), name="two_factor_verify"),
        path("two-step/backup-codes/", BackupCodesView.as_view(), name="two_factor_backup_codes"),
    ]
