"""What a browser may do with the site's pages: the Content-Security-Policy and the
Permissions-Policy, and who may embed their resources.

Public pages get ``CONTENT_SECURITY_POLICY`` (django-csp 4): nothing inline, everything from
the site itself. The Wagtail admin cannot work under that policy (its templates carry inline
scripts and styles), so paths under ``ADMIN_CONTENT_SECURITY_POLICY["URL_PREFIXES"]`` get that
policy's looser ``DIRECTIVES`` instead; the README says why. Both middlewares sit above the
page cache, so a page served from the cache carries the headers of the settings now in force.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy for the admin's paths."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # A view's own @csp(...) decorator still wins; only the default is swapped.
        if not report_only and parts.config is None and is_admin_request(request):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


def permissions_policy_header(features: dict[str, list[str]]) -> str:
    """``{"camera": []}`` as ``camera=()``; an allowlist such as ``["self"]`` as ``(self)``."""
    return ", ".join(
        f"{feature}=({' '.join(allowlist)})" for feature, allowlist in sorted(features.items())
    )


def security_headers_middleware(get_response):
    """Permissions-Policy (Django has no setting for it) and Cross-Origin-Resource-Policy."""
    permissions_policy = permissions_policy_header(getattr(settings, "PERMISSIONS_POLICY", {}))
    resource_policy = getattr(settings, "CROSS_ORIGIN_RESOURCE_POLICY", "")

    def middleware(request):
        response = get_response(request)
        if permissions_policy:
            response.headers.setdefault("Permissions-Policy", permissions_policy)
        if resource_policy:
            response.headers.setdefault("Cross-Origin-Resource-Policy", resource_policy)
        return response

    return middleware
