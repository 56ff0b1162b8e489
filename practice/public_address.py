"""The site's public address (``settings.PUBLIC_URL``, from ``DJANGO_PUBLIC_URL``) in
Wagtail's default Site.

Wagtail builds every page's full URL (canonical link, ``og:url``, JSON-LD, sitemap, feed,
the client's link in emails) from the Site's hostname and port, whatever host a request
came in on; its ``root_url`` is https only for port 443. So the address is written into the
default Site at every ``migrate`` (``post_migrate``, practice/apps.py) and by
``manage.py set_public_address``, which the gunicorn unit of deploy/ runs before it starts.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from wagtail.models import Site


def site_address(public_url: str | None = None) -> tuple[str, int]:
    """The Site's (hostname, port) for the public address."""
    parts = urlsplit(public_url or settings.PUBLIC_URL)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def is_loopback(public_url: str) -> bool:
    """``localhost``, ``*.localhost``, 127.x, ``::1``, 0.0.0.0 and ``::``: only this machine."""
    hostname = urlsplit(public_url).hostname or ""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def apply_to_site(using: str = DEFAULT_DB_ALIAS) -> tuple[Site | None, bool]:
    """Give the default Site the public address: (the Site or None, whether it changed)."""
    hostname, port = site_address()
    sites = Site.objects.using(using)
    site = sites.filter(is_default_site=True).first()
    if site is None or (site.hostname, site.port) == (hostname, port):
        return site, False
    if sites.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists():
        raise ImproperlyConfigured(
            f"Another Site already has the address {hostname}:{port}: delete it in the "
            "admin (Settings → Sites) before the default Site can take DJANGO_PUBLIC_URL."
        )
    site.hostname, site.port = hostname, port
    site.save(using=using, update_fields=["hostname", "port"])
    return site, True


def apply_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    # `migrate contenttypes` alone, on a new database, leaves no Site table yet.
    if Site._meta.db_table in connections[using].introspection.table_names():
        apply_to_site(using)
