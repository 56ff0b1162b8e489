"""One request, one read: what a request has read is kept for it, and for it alone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.request_memo import current_request, forget, remember
from home.request_memo import middleware as memo_middleware

from .factories import make_guide


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute


def test_a_request_computes_each_value_once_and_the_next_request_afresh(rf):
    compute = counter()

    def view(request):
        assert current_request() is request
        return [remember("answer", compute) for _ in range(3)]

    serve = memo_middleware(view)
    assert serve(rf.get("/")) == [1, 1, 1]
    assert serve(rf.get("/")) == [2, 2, 2]


def test_outside_a_request_nothing_is_kept():
    compute = counter()
    assert current_request() is None
    assert [remember("answer", compute) for _ in range(2)] == [1, 2]


def test_a_forgotten_value_is_computed_again_in_the_same_request(rf):
    compute = counter()

    def view(request):
        first = remember("answer", compute)
        forget("answer")
        return first, remember("answer", compute), remember("answer", compute)

    assert memo_middleware(view)(rf.get("/")) == (1, 2, 2)


@pytest.mark.django_db
def test_a_page_reads_its_site_and_settings_once_for_the_page_and_its_templates(client, demo_site):
    url = make_guide().url
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    tables = ("wagtailcore_site", "home_practicesettings", "wagtailseo_seosettings")
    own_queries = {
        table: sum(f'FROM "{table}"' in statement for statement in sql) for table in tables
    }
    # wagtail-seo's settings come joined into the practice settings' one query.
    assert own_queries == {
        "wagtailcore_site": 1,
        "home_practicesettings": 1,
        "wagtailseo_seosettings": 0,
    }
    assert sum('JOIN "wagtailseo_seosettings"' in statement for statement in sql) == 1
