"""nginx's front cache (deploy/nginx/) in front of gunicorn: anonymous pages come from
nginx, a publish empties it at once, and nobody gets a page made for someone else."""

import http.server
import re
import threading
import urllib.error
import urllib.request

import pytest

from caching import page_cache
from caching.front_cache import GENERATION_HEADER, PURGE_PATH, purge_everything
from caching.generation import current_generation

from .factories import make_guide_in_another_process
from .front_proxy import nginx, require_nginx, write_loopback_config
from .servers import free_port, gunicorn, prepare_site, production_env, run_in_site_process

USERBAR = b"wagtail-userbar"


def fetch(url, cookie=None, method="GET"):
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_nginx()
    workdir = tmp_path_factory.mktemp("front-cache")
    app_port, proxy_port, purge_port = free_port(), free_port(), free_port()
    env = production_env(workdir, app_port)
    env.update(
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(workdir / "public" / "static"),
        DJANGO_MEDIA_ROOT=str(workdir / "public" / "media"),
        DJANGO_SERVE_MEDIA="0",
        DJANGO_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        WAGTAILADMIN_BASE_URL=f"http://127.0.0.1:{proxy_port}",
        PAGE_CACHE_ENABLED="1",
    )
    prepare_site(env, port=proxy_port)
    env["FRONTEND_CACHE_PURGE_URL"] = f"http://127.0.0.1:{purge_port}"
    config = write_loopback_config(
        workdir / "nginx", proxy_port, purge_port, app_port, workdir / "public"
    )
    with (
        gunicorn(env, app_port, workdir / "gunicorn.log"),
        nginx(config, workdir / "nginx", proxy_port) as base_url,
    ):
        yield env, base_url


def cached_twice(url):
    fetch(url)
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["X-Front-Cache"] == "HIT", url
    return body


@pytest.mark.nginx
def test_anonymous_pages_come_from_nginx_after_the_first_visit(site):
    _, base_url = site
    status, headers, body = fetch(base_url + "/blog/massage-for-sciatica-relief/")
    assert status == 200
    assert b"Massage for Sciatica Relief" in body
    assert headers["X-Front-Cache"] in ("MISS", "HIT")
    cached_twice(base_url + "/blog/massage-for-sciatica-relief/")


@pytest.mark.nginx
def test_a_publish_shows_at_once_on_the_page_the_index_and_the_home_page(site):
    env, base_url = site
    for path in ("/", "/blog/"):
        cached_twice(base_url + path)

    # The publish purges nginx once it commits, before the other process ends. Unpurged,
    # nginx would keep its old generation for 30 seconds: the first look shows which.
    make_guide_in_another_process(env, "Front cache fresh guide", "2099-01-01")
    for path in ("/blog/front-cache-fresh-guide/", "/blog/", "/"):
        status, _, body = fetch(base_url + path)
        assert status == 200, path
        assert b"Front cache fresh guide" in body, path

    run_in_site_process(
        env,
        "from blog.models import BlogPage; "
        "BlogPage.objects.get(slug='front-cache-fresh-guide').unpublish()",
    )
    status, _, body = fetch(base_url + "/blog/")
    assert b"Front cache fresh guide" not in body
    assert fetch(base_url + "/blog/front-cache-fresh-guide/")[0] == 404


@pytest.mark.nginx
def test_a_settings_change_empties_the_front_cache(site):
    env, base_url = site
    cached_twice(base_url + "/services/")
    run_in_site_process(
        env,
        "from wagtail.models import Site; from home.models import PracticeSettings; "
        "details = PracticeSettings.for_site(Site.objects.get()); "
        "details.phone = '+44 20 7946 0999'; details.save()",
    )
    _, headers, body = fetch(base_url + "/services/")
    assert headers["X-Front-Cache"] != "HIT"
    assert b"7946 0999" in body


def editor_cookie(env) -> str:
    session_key = run_in_site_process(
        env,
        "from django.test import Client; from django.contrib.auth import get_user_model; "
        "user, _ = get_user_model().objects.get_or_create(username='front-cache-editor', "
        "defaults={'is_superuser': True, 'is_staff': True}); "
        "client = Client(); client.force_login(user); print(client.cookies['sessionid'].value)",
    )
    return f"sessionid={session_key}"


@pytest.mark.nginx
def test_an_editor_never_gets_a_cached_page_and_nobody_gets_hers(site):
    env, base_url = site
    cookie = editor_cookie(env)
    # A page nobody has asked for yet: the editor is first.
    for _ in range(2):
        status, headers, body = fetch(base_url + "/privacy/", cookie=cookie)
        assert status == 200
        assert USERBAR in body
        assert headers["X-Front-Cache"] == "BYPASS"
    status, headers, body = fetch(base_url + "/privacy/")
    assert status == 200
    assert USERBAR not in body
    # And after anonymous visitors have filled the cache, the editor still bypasses it.
    cached_twice(base_url + "/privacy/")
    _, headers, body = fetch(base_url + "/privacy/", cookie=cookie)
    assert USERBAR in body
    assert headers["X-Front-Cache"] == "BYPASS"
    _, _, body = fetch(base_url + "/privacy/")
    assert USERBAR not in body


@pytest.mark.nginx
def test_form_pages_the_admin_and_posts_are_never_stored(site):
    _, base_url = site
    for path in ("/book/", "/contact/", "/admin/login/"):
        for _ in range(2):
            status, headers, _ = fetch(base_url + path)
            assert status == 200, path
            assert headers.get("X-Front-Cache") != "HIT", path
    status, headers, _ = fetch(base_url + "/contact/", method="POST")
    assert headers.get("X-Front-Cache") != "HIT"


@pytest.mark.nginx
def test_static_files_and_renditions_come_from_disk_with_long_expiry(site):
    _, base_url = site
    _, _, body = fetch(base_url + "/services/")
    (stylesheet,) = set(re.findall(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body))
    status, headers, _ = fetch(base_url + stylesheet.decode())
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert "X-Page-Cache" not in headers  # never reached gunicorn
    rendition = re.search(rb'(/media/images/[^" ,]+)', body).group(1).decode()
    status, headers, _ = fetch(base_url + rendition)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.django_db
def test_the_generation_endpoint_gives_the_page_cache_token(client):
    first = client.get("/_front-cache/generation")
    assert first.status_code == 204
    assert first[GENERATION_HEADER] == current_generation()
    page_cache.invalidate()
    assert client.get("/_front-cache/generation")[GENERATION_HEADER] != first[GENERATION_HEADER]


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_GET(self):
        self.received.append((self.path, self.headers["Host"], self.headers["X-Forwarded-Proto"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.django_db
def test_a_purge_is_one_request_to_the_purge_listener_only_when_configured(
    settings, django_capture_on_commit_callbacks
):
    listener = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    try:
        settings.WAGTAILADMIN_BASE_URL = "https://calmhands.example"
        settings.WAGTAILFRONTENDCACHE = {}
        purge_everything()
        assert _Recorder.received == []

        settings.WAGTAILFRONTENDCACHE = {
            "nginx": {
                "BACKEND": "caching.front_cache.GenerationPurgeBackend",
                "LOCATION": f"http://127.0.0.1:{listener.server_port}",
            }
        }
        purge_everything()
        assert _Recorder.received == [(PURGE_PATH, "calmhands.example", "https")]

        # A publish replaces the generation several times: one purge, after the commit.
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                page_cache.invalidate()
            assert len(_Recorder.received) == 1
        assert len(_Recorder.received) == 2
    finally:
        listener.shutdown()
        listener.server_close()
