"""Production settings under gunicorn, as a one-server practice runs them."""

import re
import urllib.request

import pytest

from .quality.check_quality import production_server as run_production_server


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    with run_production_server(tmp_path_factory.mktemp("production")) as base_url:
        yield base_url


def test_gunicorn_serves_the_demo_site_with_security_headers(production_server):
    status, headers, body = fetch(
        production_server + "/blog/massage-for-sciatica-relief/", {"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert b"Massage for Sciatica Relief" in body
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_are_hashed_compressed_and_cached_forever(production_server):
    _, _, body = fetch(production_server + "/")
    (stylesheet,) = re.findall(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
    status, headers, _ = fetch(production_server + stylesheet.decode(), {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in headers["Cache-Control"]


def test_the_one_server_also_serves_image_renditions(production_server):
    _, _, body = fetch(production_server + "/services/")
    rendition = re.search(rb'(/media/images/[^" ,]+)', body).group(1).decode()
    status, headers, _ = fetch(production_server + rendition)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
