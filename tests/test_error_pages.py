"""The 404 and 500 pages: in the site's design, and the 500 page safe with the database down."""

import pytest
from django.db import connection
from django.template import Context
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_missing_page_is_a_404_that_points_to_treatments_guides_and_booking(client, demo_site):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'href="/services/"' in html
    assert 'href="/blog/"' in html
    assert 'href="/book/"' in html
    assert 'class="site-header' in html and 'class="site-footer' in html
    assert '<meta name="robots" content="noindex">' in html


def test_server_error_page_renders_without_a_request_or_the_database():
    with CaptureQueriesContext(connection) as queries:
        html = get_template("500.html").template.render(Context())

    assert len(queries) == 0
    assert "Sorry, something went wrong" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert "{%" not in html and "{{" not in html
