"""What a browser may do with the site's pages: the Content-Security-Policy, and who may
embed their resources. (The Permissions-Policy is django-permissions-policy's.)

Public pages get ``CONTENT_SECURITY_POLICY`` (django-csp 4): nothing inline, everything from
the site itself. The Wagtail admin cannot work under that policy (its templates carry inline
scripts and styles), so paths under ``ADMIN_CONTENT_SECURITY_POLICY["URL_PREFIXES"]`` get that
policy's looser ``DIRECTIVES`` instead; the README says why. These middlewares, and
django-permissions-policy's, sit above the page cache, so a page served from the cache carries
the headers of the settings now in force.
"""

import functools
import http

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

POLICY_SETTINGS = {
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "ADMIN_CONTENT_SECURITY_POLICY",
}
# What a view's @csp, @csp_update, @csp_replace or @csp_exempt decorators leave on a response.
PER_VIEW_POLICY_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


def admin_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "ADMIN_CONTENT_SECURITY_POLICY", {}).get("URL_PREFIXES", ()))


def is_admin_path(path: str) -> bool:
    prefixes = admin_prefixes()
    return bool(prefixes) and path.startswith(prefixes)


def is_admin_request(request) -> bool:
    """An admin page, or a page the admin renders for its preview or revision views: Wagtail
    sends those through the middleware again on a dummy request carrying the page's own path,
    and the admin shows them in a frame of its own."""
    return is_admin_path(request.path_info) or getattr(request, "is_dummy", False)


@functools.cache
def settings_policy(admin: bool, report_only: bool) -> str:
    """The header the settings give a response that no view changed: the same for every such
    response until a setting changes, so it is built once, not on every cached page served."""
    config = None
    if admin and not report_only:
        config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
    return build_policy(config=config, report_only=report_only)


@receiver(setting_changed)
def forget_settings_policy(*, setting, **kwargs):
    if setting in POLICY_SETTINGS:
        settings_policy.cache_clear()


def has_own_content_policy(request, response) -> bool:
    """A response whose view used a nonce or changed the policy: its header is its own, so
    neither the memoised header nor the page cache may stand in for it."""
    return getattr(request, "_csp_nonce", None) is not None or any(
        hasattr(response, name) for name in PER_VIEW_POLICY_ATTRIBUTES
    )


def excluded(request, setting_name: str) -> bool:
    prefixes = (getattr(settings, setting_name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
    return request.path_info.startswith(tuple(prefixes))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy for the admin's paths.

    Nearly every response (every page from the page cache) carries the policy of the
    settings unchanged; that header is built once. A response with a nonce or a view's own
    policy, and the debug pages, go through django-csp's full path.
    """

    def process_response(self, request, response):
        if not self.carries_settings_policy(request, response):
            return super().process_response(request, response)
        admin = is_admin_request(request)
        for header, report_only, exempt_attribute, setting_name in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = settings_policy(admin, report_only)
            if (
                policy
                and header not in response
                and not getattr(response, exempt_attribute, False)
                and not excluded(request, setting_name)
            ):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    @staticmethod
    def carries_settings_policy(request, response) -> bool:
        debug_page = settings.DEBUG and response.status_code in (
            http.HTTPStatus.NOT_FOUND,
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
        )
        return not (debug_page or has_own_content_policy(request, response))

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # A view's own @csp(...) decorator still wins; only the default is swapped.
        if not report_only and parts.config is None and is_admin_request(request):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


def cross_origin_resource_policy_middleware(get_response):
    """Cross-Origin-Resource-Policy, which Django has no setting for. (The Permissions-Policy
    comes from django-permissions-policy, beside this in MIDDLEWARE.)"""
    resource_policy = getattr(settings, "CROSS_ORIGIN_RESOURCE_POLICY", "")

    def middleware(request):
        response = get_response(request)
        if resource_policy:
            response.headers.setdefault("Cross-Origin-Resource-Policy", resource_policy)
        return response

    return middleware
