"""The demo site as the tests know it: how it is built, every URL it promises, its guide.

Tests that check the site as shipped read these; tests of behaviour make their own data
(tests/factories.py).
"""

from django.core.management import call_command

from blog.models import BlogPage
from practice.demo import article

DEMO_GUIDE_URL = f"/blog/{article.SLUG}/"
DEMO_URLS = [
    "/",
    "/services/",
    "/services/deep-tissue-massage/",
    "/services/trigger-point-therapy/",
    "/services/myofascial-release/",
    "/services/swedish-massage/",
    "/blog/",
    DEMO_GUIDE_URL,
    "/book/",
    "/contact/",
    "/privacy/",
]


def load_demo_site():
    call_command("load_demo_content", hostname="testserver", port=80, verbosity=0)


def demo_guide() -> BlogPage:
    """The practice's sciatica guide, as the demo content publishes it."""
    return BlogPage.objects.get(slug=article.SLUG)
