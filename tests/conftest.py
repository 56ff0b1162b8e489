"""Shared fixtures, and the one rule that lets the suite run in any order.

Every test database starts as the migrations and the demo site leave it: the root page,
the root collection, the default site and the practice's pages. A transactional test
(the live server's, or `django_db(transaction=True)`) ends with a flush that empties every
table, even what the migrations made; after any such test the harness puts a snapshot of
that first state back, so the next test, whatever it is, finds it again.

Every test also starts with an empty default cache: no form posts counted against its
address, and no page or site path cached from another test's database.

Which leg runs a test is decided by its markers (tests/tool_markers.py): a test that needs a
tool carries the tool's marker (``browser``, ``postgres``, ``redis``, ``nginx``; the users of
the ``browser`` and ``postgres_site`` fixtures get theirs here), and a test that uses the
site's own test database and needs no tool is marked ``database`` here, for the PostgreSQL
leg. Chromium, nginx, Lighthouse, static files and templates rendered without the database
do not depend on which database the site has, so they run once, on SQLite.
"""

import dataclasses
import itertools

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from wagtail.models import Page

from home.models import HomePage

from .demo import load_demo_site
from .factories import make_staff_user
from .mail import RecordingHandler
from .postgres_site import serve_postgres_site
from .servers import free_port
from .tool_markers import RUNNING, TOOL_MARKERS, tool_markers_of, tools_hidden

# The Chromium and live-server fixtures of the browser tests.
pytest_plugins = ["tests.browser_support"]


# A test using one of these fixtures needs the tool of the marker it gets.
FIXTURE_MARKERS = {"browser": "browser", "postgres_site": "postgres"}
# pytest-django's fixtures that give a test the site's own database.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def uses_site_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Before ``-m`` selects: the fixtures' tool markers, then ``database``."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in fixtures:
                item.add_marker(marker)
        if uses_site_database(item) and not tool_markers_of(item):
            item.add_marker("database")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    RUNNING.item = item


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """With the tools hidden, a test marked for a tool must skip: passing, it shows that it
    does not need the tool, and its marker keeps it out of the PostgreSQL leg for nothing."""
    report = yield
    if tools_hidden() and report.when == "call" and report.passed:
        markers = tool_markers_of(item)
        if markers:
            report.outcome = "failed"
            needs = "; ".join(f"{marker}: {TOOL_MARKERS[marker]}" for marker in markers)
            report.longrepr = (
                f"{item.nodeid} passed with every tool hidden, so it does not need what its "
                f"markers say ({needs})"
            )
    return report


@dataclasses.dataclass(frozen=True)
class DemoDatabase:
    snapshot: str
    blocker: object  # pytest-django's django_db_blocker


DEMO_DATABASE = pytest.StashKey[DemoDatabase]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, pytestconfig):
    """Every test database starts with the practice's demo site in it."""
    with django_db_blocker.unblock():
        load_demo_site()
        pytestconfig.stash[DEMO_DATABASE] = DemoDatabase(serialize_database(), django_db_blocker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test's fixtures are gone (and a transactional test's flush is done), bring
    back the first state if the test left the database empty."""
    result = yield
    demo = item.config.stash.get(DEMO_DATABASE, None)
    # With no next test the session's database is being destroyed.
    if demo is not None and nextitem is not None:
        with demo.blocker.unblock():
            restore_if_flushed(demo.snapshot)
    return result


def serialize_database() -> str:
    """Every row, content types first: restoring a page must not create one of its own."""
    rows = itertools.chain.from_iterable(
        model._base_manager.order_by(model._meta.pk.name).iterator() for model in stored_models()
    )
    return serializers.serialize("json", rows)


def stored_models() -> list:
    tables = set(connection.introspection.table_names())
    return sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables
        ),
        key=lambda model: model._meta.app_label != "contenttypes",
    )


def restore_if_flushed(snapshot: str) -> None:
    if Page.objects.filter(depth=1).exists():
        return
    # The flush after a transactional test re-creates content types and permissions; clear
    # them so the snapshot's own rows, with their ids, go back in.
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    connection.creation.deserialize_db_from_string(snapshot)
    # The rows came back with their ids; new rows must not collide with them (PostgreSQL).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), stored_models()):
            cursor.execute(statement)


@pytest.fixture
def demo_site(db):
    """The demo site's home page."""
    return HomePage.objects.get()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """See the module's docstring: whatever ran before, the default cache starts empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, demo_site):
    """The test client, logged in as a user in the "Practice staff" group only."""
    client.force_login(make_staff_user())
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    handler.port = port
    yield handler
    controller.stop()


SUMMARY_SECTIONS = pytest.StashKey[list[tuple[str, str]]]()


@pytest.fixture
def summary_section(request):
    """``add(title, text)``: a section at the end of the run's summary, for what a test
    reports rather than asserts (the quality gate's performance scores)."""

    def add(title: str, text: str) -> None:
        request.config.stash.setdefault(SUMMARY_SECTIONS, []).append((title, text))

    return add


def pytest_terminal_summary(terminalreporter, config):
    for title, text in config.stash.get(SUMMARY_SECTIONS, []):
        terminalreporter.write_sep("-", title)
        terminalreporter.write(text)


@pytest.fixture(scope="module")
def postgres_site(request, tmp_path_factory):
    """The demo site on a fresh PostgreSQL database under gunicorn (tests/postgres_site.py),
    one per test module, with the module's ``POSTGRES_SITE_ENV`` added to its environment."""
    extra_env = getattr(request.module, "POSTGRES_SITE_ENV", {})
    with serve_postgres_site(tmp_path_factory.mktemp("postgres_site"), extra_env) as site:
        yield site
