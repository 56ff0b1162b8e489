"""Which page of the site a request's path shows."""

from wagtail.models import Site


def pages_for_paths(paths, queryset) -> dict:
    """The page of ``queryset`` each path of the public site shows, by path.

    A path is relative to a site's root page, so ``/blog/a/`` is the page whose
    ``url_path`` is the root's ``url_path`` followed by ``blog/a/``."""
    roots = {root.root_path for root in Site.get_site_root_paths()}
    by_url_path = {root + path.lstrip("/"): path for path in paths for root in roots}
    found = {}
    keys = list(by_url_path)
    for start in range(0, len(keys), 500):
        for page in queryset.filter(url_path__in=keys[start : start + 500]):
            found.setdefault(by_url_path[page.url_path], page)
    return found
