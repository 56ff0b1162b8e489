"""`check --deploy`: the site's own address, and whose word it takes for a client's address."""

from django.conf import settings
from django.core import checks
from django.http.request import split_domain_port, validate_host

from .public_address import is_loopback

HOW_TO_SET = (
    "Set DJANGO_PUBLIC_URL to the address visitors use, e.g. https://calmhands.example, "
    "then run `manage.py migrate` or `manage.py set_public_address`."
)


@checks.register(checks.Tags.security, deploy=True)
def public_address_check(app_configs, **kwargs):
    url = settings.PUBLIC_URL
    if is_loopback(url):
        return [
            checks.Error(
                f"The site's public address is {url}, which only this machine can reach: "
                "canonical links, the sitemap and the links in emails would point at it.",
                hint=HOW_TO_SET,
                id="practice.E001",
            )
        ]
    errors = []
    if settings.SECURE_SSL_REDIRECT and not url.startswith("https://"):
        errors.append(
            checks.Error(
                f"The site's public address is {url}, but every request is redirected to https.",
                hint=HOW_TO_SET,
                id="practice.E002",
            )
        )
    host, _ = split_domain_port(url.split("://", 1)[1])
    if not validate_host(host, settings.ALLOWED_HOSTS):
        errors.append(
            checks.Error(
                f"The public address's host {host} is not in ALLOWED_HOSTS: it would answer 400.",
                hint="Add it to DJANGO_ALLOWED_HOSTS.",
                id="practice.E003",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def client_ip_header_check(app_configs, **kwargs):
    if not settings.FORM_CLIENT_IP_HEADER:
        return []
    proxies = settings.TRUSTED_PROXIES
    if any(network.prefixlen == 0 for network in proxies):
        return [
            checks.Error(
                "DJANGO_TRUSTED_PROXIES trusts every address: any client could name its own "
                f"address in {settings.FORM_CLIENT_IP_HEADER} and dodge the rate limits and "
                "sign-in lockouts, or lock someone else out.",
                hint="List only the proxies' own addresses (default: 127.0.0.0/8,::1).",
                id="practice.E004",
            )
        ]
    if not proxies:
        return [
            checks.Warning(
                "DJANGO_CLIENT_IP_HEADER is set but DJANGO_TRUSTED_PROXIES is empty, so the "
                "header is never read: every visitor counts as the proxy.",
                hint="Name the proxy's address in DJANGO_TRUSTED_PROXIES, or unset the header.",
                id="practice.W005",
            )
        ]
    return []
