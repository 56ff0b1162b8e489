"""The suite passes on any machine and in any order.

A missing optional server skips its tests on a laptop and fails them under CI; a test that
reaches a tool carries the tool's marker, which picks its legs (tests/tool_markers.py); and a
transactional test finds the database as the migrations and the demo site left it, even
after another transactional test has emptied it.
"""

import pytest
from wagtail.models import Collection, Page, Site

from home.models import HomePage

from .optional_services import require_service
from .servers import free_port
from .tool_markers import check_marked

LEFTOVER = "Left behind by a transactional test"


def test_an_unreachable_server_skips_its_tests_on_a_laptop(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not reachable"):
        require_service(f"postgresql://127.0.0.1:{free_port()}", 5432, "PostgreSQL")


def test_an_unreachable_server_fails_its_tests_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must start it"):
        require_service(f"redis://127.0.0.1:{free_port()}", 6379, "Redis")


def test_a_test_that_reaches_a_tool_without_its_marker_fails_naming_the_marker(request):
    with pytest.raises(
        pytest.fail.Exception, match=r"needs nginx but is not marked @pytest\.mark\.nginx"
    ):
        check_marked(request.node, "nginx")


def test_a_test_marked_for_a_tool_may_reach_it(request):
    request.node.add_marker(pytest.mark.redis)
    check_marked(request.node, "redis")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("turn", ["first", "second"])
def test_a_transactional_test_finds_the_migrated_demo_database(turn):
    # Whichever runs second sees what the first one's flush left, unless it was put back.
    assert Page.objects.filter(depth=1).count() == 1
    assert Collection.objects.filter(depth=1).count() == 1
    home = Site.objects.get(is_default_site=True).root_page.specific
    assert isinstance(home, HomePage)
    assert home.get_children().live().count() >= 5
    assert not Collection.objects.filter(name=LEFTOVER).exists()
    Collection.get_first_root_node().add_child(name=LEFTOVER)
