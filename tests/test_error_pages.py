"""The 404 and 500 pages: in the site's design, and the 500 page safe with the database down."""

import pytest
from django.db import connection
from django.template import Context
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext

from .page_reading import headings, hrefs, landmark, meta, stylesheets

pytestmark = pytest.mark.django_db


def test_missing_page_is_a_404_that_points_to_treatments_guides_and_booking(client, demo_site):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert [level for level, _ in headings(html)].count(1) == 1
    assert {"/services/", "/blog/", "/book/"} <= set(hrefs(html))
    assert landmark(html, "banner") and landmark(html, "contentinfo")
    assert meta(html, "robots") == "noindex"


def test_server_error_page_renders_without_a_request_or_the_database():
    with CaptureQueriesContext(connection) as queries:
        html = get_template("500.html").template.render(Context())

    assert len(queries) == 0
    assert "Sorry, something went wrong" in html
    assert stylesheets(html) == ["/static/css/site.css"]
    assert "{%" not in html and "{{" not in html
