import pytest
from django.core.management import call_command

from home.models import HomePage

# The Chromium, live-server and demo-snapshot fixtures of the browser tests.
pytest_plugins = ["tests.browser_support"]

DEMO_URLS = [
    "/",
    "/services/",
    "/services/deep-tissue-massage/",
    "/services/trigger-point-therapy/",
    "/services/myofascial-release/",
    "/services/swedish-massage/",
    "/blog/",
    "/blog/massage-for-sciatica-relief/",
    "/book/",
    "/contact/",
    "/privacy/",
]


def load_demo_site():
    call_command("load_demo_content", hostname="testserver", port=80, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the practice's demo site in it."""
    with django_db_blocker.unblock():
        load_demo_site()


@pytest.fixture
def demo_site(db):
    """The demo site's home page. Rebuilt if a transactional test flushed the database."""
    if not HomePage.objects.exists():
        load_demo_site()
    return HomePage.objects.get()
