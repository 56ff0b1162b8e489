"""A guide has one pair of dates: when it was first published, and when it last changed.

The page, its JSON-LD, Open Graph, the RSS feed and the sitemap all read them from the
guide's own fields (its date, and its last review or else its date), never from the day
the page happened to be saved or the demo loaded.
"""

import datetime
import json
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from blog.models import BlogPage

from .factories import make_guide

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text[:10])


def dates_shown(client, guide: BlogPage) -> dict[str, datetime.date]:
    """Every date the site gives for the guide, by where it gives it."""
    soup = BeautifulSoup(client.get(guide.url).content, "html.parser")
    byline = soup.find("article").find("header").find_all("time")  # the guide's byline
    articles = [
        data
        for script in soup.find_all("script", type="application/ld+json")
        if (data := json.loads(script.string))["@type"] == "Article"
    ]
    og = {
        meta["property"]: meta["content"]
        for meta in soup.find_all(
            "meta", property=lambda name: name and name.startswith("article:")
        )
    }
    feed = ET.fromstring(client.get("/blog/feed/").content)
    item = next(item for item in feed.iter("item") if item.findtext("link").endswith(guide.url))
    sitemap = ET.fromstring(client.get("/sitemap-articles.xml").content)
    entry = next(entry for entry in sitemap if entry.findtext(f"{SITEMAP}loc").endswith(guide.url))
    shown = {
        "page: published": day(byline[0]["datetime"]),
        "json-ld: published": day(articles[0]["datePublished"]),
        "json-ld: modified": day(articles[0]["dateModified"]),
        "og: published": day(og["article:published_time"]),
        "og: modified": day(og["article:modified_time"]),
        "rss: published": parsedate_to_datetime(item.findtext("pubDate")).date(),
        "sitemap: modified": day(entry.findtext(f"{SITEMAP}lastmod")),
    }
    if len(byline) > 1:
        shown["page: last reviewed"] = day(byline[1]["datetime"])
    return shown


def test_a_reviewed_guide_gives_the_same_two_dates_everywhere(client, demo_site):
    guide = make_guide(date=datetime.date(2024, 3, 5), last_reviewed=datetime.date(2025, 6, 30))

    shown = dates_shown(client, guide)

    published = {where: date for where, date in shown.items() if "published" in where}
    modified = {where: date for where, date in shown.items() if "published" not in where}
    assert set(published.values()) == {datetime.date(2024, 3, 5)}, published
    assert set(modified.values()) == {datetime.date(2025, 6, 30)}, modified
    assert "page: last reviewed" in modified


def test_a_guide_saved_today_keeps_its_own_date_everywhere(client, demo_site):
    guide = make_guide(date=datetime.date(2024, 3, 5))
    assert timezone.localdate(guide.first_published_at) != guide.date  # saved on another day

    shown = dates_shown(client, guide)

    # Never reviewed since: it last changed on the day it was published.
    assert set(shown.values()) == {datetime.date(2024, 3, 5)}, shown
    assert "page: last reviewed" not in shown
