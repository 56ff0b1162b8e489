"""Reads the sitemap as a crawler does: the index at /sitemap.xml, then every section."""

import xml.etree.ElementTree as ET
from collections.abc import Callable

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITEMAP_INDEX_TAG = "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"


def sitemap_locations(fetch: Callable[[str], bytes], url: str) -> list[str]:
    """Every page URL listed under ``url``, following a sitemap index into its sections."""
    root = ET.fromstring(fetch(url))
    if root.tag == SITEMAP_INDEX_TAG:
        locations = []
        for section in root.findall("sm:sitemap/sm:loc", SITEMAP_NS):
            locations += sitemap_locations(fetch, section.text.strip())
        return locations
    return [loc.text.strip() for loc in root.findall("sm:url/sm:loc", SITEMAP_NS)]
