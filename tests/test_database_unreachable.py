"""PostgreSQL unreachable: every kind of request gets the 503 page with Retry-After, or an
answer that needs no database; never a 500 (practice/unavailable.py).

The production settings under gunicorn, with ``DATABASE_URL`` naming a PostgreSQL port
nothing listens on: the same error as a server that is down or restarting. Requests that
reach the database in the view, in a middleware (the session, the sign-in lockout, the
redirects looked up for a 404) or in both are all tried. The SQLite leg (its lock) is in
tests/test_load_and_faults.py.
"""

import http.client
import urllib.parse

import pytest

from practice.unavailable import RETRY_AFTER_SECONDS

from .servers import collect_static, free_port, gunicorn, production_env

CSRF = "a" * 32  # any well-formed token: the cookie and the field only have to agree

REQUESTS = [
    ("GET", "/", "", {}),
    ("GET", "/services/", "", {}),
    ("GET", "/blog/", "", {}),
    ("GET", "/book/", "", {}),
    ("POST", "/book/", "name=Jane&email=jane%40example.com", {}),
    ("GET", "/no-such-page/", "", {}),
    ("GET", "/sitemap.xml", "", {}),
    ("GET", "/calendar/not-a-token.ics", "", {}),
    ("GET", "/search/?q=back", "", {}),
    ("GET", "/", "", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),
    ("GET", "/admin/", "", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),
    ("GET", "/admin/login/", "", {}),
    ("POST", "/admin/login/", "username=robin&password=guess", {}),
    ("POST", "/admin/password_reset/", "email=robin%40example.com", {}),
]


def ask(base_url: str, method: str, path: str, body: str, headers: dict):
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    all_headers = {"Connection": "close", **headers}
    if method == "POST":
        body = f"{body}&csrfmiddlewaretoken={CSRF}"
        cookie = "; ".join(filter(None, [all_headers.get("Cookie"), f"csrftoken={CSRF}"]))
        all_headers.update({"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    try:
        connection.request(method, path, body=body or None, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.getheader("Retry-After"), response.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site_without_database(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("no-database")
    port = free_port()
    env = production_env(workdir, port)
    env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{free_port()}/practice"
    collect_static(env)
    with gunicorn(env, port, workdir / "gunicorn.log", start_timeout=120) as base_url:
        yield base_url


@pytest.mark.parametrize(("method", "path", "body", "headers"), REQUESTS)
def test_an_unreachable_postgresql_answers_503_with_retry_after_never_500(
    site_without_database, method, path, body, headers
):
    status, retry_after, html = ask(site_without_database, method, path, body, headers)

    assert status < 500 or status == 503, (status, html[:300])
    if status == 503:
        assert retry_after == str(RETRY_AFTER_SECONDS)
        assert "We are busy for a moment" in html


def test_most_requests_need_the_database_and_get_the_503_page(site_without_database):
    statuses = [ask(site_without_database, *request)[0] for request in REQUESTS]

    # Only the admin without a session (a redirect to sign in) and the sign-in form itself
    # are answered without the database.
    assert statuses.count(503) >= len(REQUESTS) - 3, statuses
