"""The content policy and the other security headers, as browsers and the Observatory see them.

Public pages and error pages get the strict policy; the admin, and the pages it renders for
preview, get the admin's own; gunicorn under the production settings, fetched over https
through the proxy header, scores A+ by the Mozilla Observatory's published rules
(tests/quality/observatory.py), and the same pages without their policy would not.
"""

import http.client
import subprocess
import sys
import time
from urllib.parse import urljoin, urlsplit

import pytest
from csp.constants import NONCE
from csp.decorators import csp_update
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from practice.settings.base import admin_content_security_policy, public_content_security_policy

from .browser_support import CSP_VIOLATIONS, new_page, sign_in
from .demo import DEMO_GUIDE_URL, DEMO_URLS
from .factories import make_superuser
from .page_reading import elements_named, inline_code
from .quality import observatory
from .servers import REPO_ROOT, free_port, prepare_site, production_env

PUBLIC_PAGES = ["/", DEMO_GUIDE_URL, "/book/", "/contact/", "/search/?q=sciatica"]
UNUSED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]
# Every browser feature PERMISSIONS_POLICY switches off.
SWITCHED_OFF_FEATURES = {
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "window-management",
    "xr-spatial-tracking",
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


def assert_strict_public_policy(response):
    policy = policy_of(response)
    assert policy["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert "data:" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    for feature in UNUSED_FEATURES:
        assert f"{feature}=()" in permissions


# -- the policies, page by page -----------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_get_the_strict_policy(client, demo_site, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_strict_public_policy(response)


def test_the_404_page_gets_the_strict_policy(client, demo_site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_public_policy(response)


def failing_view(request):
    raise RuntimeError("a bug")


@csp_update({"img-src": ["https://maps.example.net"]})
def view_with_its_own_sources(request):
    return HttpResponse("a map")


def view_using_a_nonce(request):
    return HttpResponse(f"nonce {request.csp_nonce}")


urlpatterns = [
    path("fails/", failing_view),
    path("map/", view_with_its_own_sources),
    path("nonce/", view_using_a_nonce),
]


@pytest.mark.urls(__name__)
def test_the_500_page_gets_the_strict_policy(db):
    response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    assert b"Sorry, something went wrong" in response.content
    assert_strict_public_policy(response)


@pytest.mark.urls(__name__)
def test_a_view_may_still_widen_the_policy_for_its_own_response(db):
    assert policy_of(Client().get("/map/"))["img-src"] == ["'self'", "https://maps.example.net"]
    other_page = Client(raise_request_exception=False).get("/fails/")
    assert policy_of(other_page)["img-src"] == ["'self'"]


@pytest.mark.urls(__name__)
def test_the_page_cache_never_stands_in_for_a_view_own_policy(db, settings):
    settings.PAGE_CACHE_ENABLED = True
    for _ in range(2):
        response = Client().get("/map/")
        assert response.headers["X-Page-Cache"] == "bypass"
        assert "https://maps.example.net" in policy_of(response)["img-src"]


@pytest.mark.urls(__name__)
def test_a_nonce_a_view_used_is_in_that_response_policy_alone(db, settings):
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**directives, "script-src": [*directives["script-src"], NONCE]}
    }
    first, second = Client().get("/nonce/"), Client().get("/nonce/")
    nonces = [response.content.decode().split()[-1] for response in (first, second)]
    assert nonces[0] != nonces[1]
    for response, nonce in zip((first, second), nonces, strict=True):
        assert f"'nonce-{nonce}'" in policy_of(response)["script-src"]


def test_every_unused_browser_feature_is_switched_off_on_cached_pages_too(
    client, demo_site, settings
):
    settings.PAGE_CACHE_ENABLED = True
    answers = [client.get(DEMO_GUIDE_URL) for _ in range(2)]

    assert [answer.headers["X-Page-Cache"] for answer in answers] == ["miss", "hit"]
    for answer in answers:
        features = dict(
            part.split("=", 1) for part in answer.headers["Permissions-Policy"].split(", ")
        )
        assert features == dict.fromkeys(SWITCHED_OFF_FEATURES, "()")
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_a_changed_policy_setting_is_in_force_on_the_next_page(client, demo_site, settings):
    assert "report-uri" not in client.get("/").headers["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "report-uri": "/csp-reports/",
        }
    }
    assert "report-uri /csp-reports/" in client.get("/").headers["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    assert client.get("/").headers["Content-Security-Policy-Report-Only"] == "default-src 'self'"


@pytest.mark.parametrize("url", [*DEMO_URLS, "/search/?q=sciatica", "/no-such-page/"])
def test_no_rendered_public_page_carries_inline_code(client, demo_site, url):
    """Nothing the strict policy would block: the only <script> elements are JSON-LD, which
    is data (browsers never run it, so CSP does not apply to it)."""
    body = client.get(url).content
    assert inline_code(body) == []
    addresses = [
        tag.get(name, "").strip().lower()
        for tag in elements_named(body, True)
        for name in ("href", "src")
    ]
    assert not [url for url in addresses if url.startswith(("javascript:", "data:"))]


def test_the_admin_gets_its_own_policy(client, demo_site):
    client.force_login(make_superuser())
    response = client.get("/admin/")
    policy = policy_of(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["Permissions-Policy"]


def test_a_page_rendered_for_preview_gets_the_admin_policy_so_the_admin_can_frame_it(
    client, demo_site
):
    client.force_login(make_superuser())
    guide = client.get(DEMO_GUIDE_URL).context["page"]
    response = client.get(f"/admin/pages/{guide.pk}/revisions/{guide.latest_revision_id}/view/")
    assert response.status_code == 200
    assert policy_of(response)["frame-ancestors"] == ["'self'"]


def test_media_and_static_files_on_another_origin_are_allowed_by_name():
    public = public_content_security_policy(
        "https://static.example.net/assets/", "https://media.example.net/m/"
    )["DIRECTIVES"]
    assert public["img-src"] == [
        "'self'",
        "https://static.example.net",
        "https://media.example.net",
    ]
    assert public["script-src"] == ["'self'", "https://static.example.net"]
    assert public["connect-src"] == ["'self'"]
    admin = admin_content_security_policy("/static/", "https://media.example.net/m/")["DIRECTIVES"]
    assert admin["img-src"] == ["'self'", "blob:", "https://media.example.net"]
    same_site = public_content_security_policy("/static/", "/media/")["DIRECTIVES"]
    assert same_site["img-src"] == ["'self'"]


# -- the Observatory's score, over https through the proxy header --------------------------

OBSERVATORY_ORIGIN = "https://http-observatory.security.mozilla.org"


class ProxiedSite:
    """The site as the Observatory reaches it: its https:// addresses through a TLS proxy
    that sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), its http:// addresses directly."""

    def __init__(self, base_url: str):
        self.host = urlsplit(base_url).netloc

    def get(self, url: str, headers: dict[str, str] | None = None) -> observatory.Response:
        parts = urlsplit(url)
        request_headers = dict(headers or {})
        if parts.scheme == "https":
            request_headers["X-Forwarded-Proto"] = "https"
        connection = http.client.HTTPConnection(self.host, timeout=60)
        try:
            connection.request(
                "GET",
                parts.path + (f"?{parts.query}" if parts.query else ""),
                headers=request_headers,
            )
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return observatory.Response(url, response.status, response.getheaders(), body)
        finally:
            connection.close()

    def route(self, url: str, headers: dict[str, str] | None = None) -> list[observatory.Response]:
        """Every response from ``url`` on, following redirects."""
        responses = []
        for _hop in range(10):
            response = self.get(url, headers)
            responses.append(response)
            location = response.first("Location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                break
            url = urljoin(url, location)
        return responses

    def wait_until_up(self, server: subprocess.Popen, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}")
            try:
                if self.get(f"https://{self.host}/robots.txt").status == 200:
                    return
            except OSError:  # refused or reset while the workers boot
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def scan(self, path_and_query: str) -> observatory.Scan:
        page = self.route(f"https://{self.host}{path_and_query}")[-1]
        return observatory.Scan(
            http_route=self.route(f"http://{self.host}{path_and_query}"),
            page=page,
            cors=self.get(page.url, {"Origin": OBSERVATORY_ORIGIN}),
            cors_origin=OBSERVATORY_ORIGIN,
        )


@pytest.fixture(scope="module")
def proxied_production_site(tmp_path_factory):
    """gunicorn with the production settings as deployed: http:// redirected to https://,
    HSTS for a year. (tests/servers.py waits for a plain http:// answer, which this site
    rightly refuses, so it is started here.)"""
    workdir = tmp_path_factory.mktemp("observatory")
    port = free_port()
    env = {**production_env(workdir, port), "DJANGO_SECURE_SSL_REDIRECT": "1"}
    prepare_site(env, port=port)
    site = ProxiedSite(f"http://127.0.0.1:{port}")
    with (workdir / "gunicorn.log").open("a") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "practice.wsgi",
                "--no-control-socket",
                "--workers=2",
                f"--bind=127.0.0.1:{port}",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            site.wait_until_up(server)
            yield site
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.mark.parametrize("url", ["/", DEMO_GUIDE_URL, "/book/"])
def test_the_observatory_grades_the_public_pages_a_plus(proxied_production_site, url):
    scan = proxied_production_site.scan(url)
    assert scan.page.status == 200
    assert [r.status for r in scan.http_route] == [301, 200], "http:// goes to https://"

    report = observatory.score(scan)

    assert report.grade == "A+", report.explain()
    assert report.score >= 100, report.explain()
    assert report.results["content-security-policy"] == (
        "csp-implemented-with-no-unsafe-default-src-none"
    )
    assert report.results["x-frame-options"] == "x-frame-options-implemented-via-csp"
    assert report.results["referrer-policy"] == "referrer-policy-private"
    assert report.results["redirection"] == "redirection-to-https"


def test_the_booking_page_sets_only_secure_samesite_cookies(proxied_production_site):
    scan = proxied_production_site.scan("/book/")
    cookies, _ = observatory.cookies_set([scan.page])
    assert cookies, "the booking form sets its CSRF cookie"
    assert observatory.score(scan).results["cookies"] == (
        "cookies-secure-with-httponly-sessions-and-samesite"
    )


def test_without_its_content_security_policy_the_home_page_drops_to_75(proxied_production_site):
    scan = proxied_production_site.scan("/")
    scan.page.headers = [
        (name, value)
        for name, value in scan.page.headers
        if name.lower() != "content-security-policy"
    ]

    report = observatory.score(scan)

    assert report.results["content-security-policy"] == "csp-not-implemented"
    assert report.score <= 75, report.explain()
    assert report.grade == "B"


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "default-src 'none'; script-src 'self' 'unsafe-inline'",
            "csp-implemented-with-unsafe-inline",
        ),
        ("default-src 'self'; script-src 'self' data:", "csp-implemented-with-unsafe-inline"),
        ("default-src 'self'; script-src 'self' 'unsafe-eval'", "csp-implemented-with-unsafe-eval"),
        (
            "default-src 'self'; style-src 'self' 'unsafe-inline'",
            "csp-implemented-with-unsafe-inline-in-style-src-only",
        ),
        ("default-src 'self'", "csp-implemented-with-no-unsafe"),
        (
            "default-src 'none'; form-action 'self'",
            "csp-implemented-with-no-unsafe-default-src-none",
        ),
        ("script-src 'self'; script-src 'none'", "csp-header-invalid"),
        (
            "default-src 'none'; img-src http://cdn.example",
            "csp-implemented-with-insecure-scheme-in-passive-content-only",
        ),
        (
            "script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'; style-src 'self'",
            "csp-implemented-with-no-unsafe",
        ),
    ],
)
def test_the_scorer_reads_policies_as_the_observatory_documents(policy, expected):
    page = observatory.Response(
        "https://calmhands.example/", 200, [("Content-Security-Policy", policy)], ""
    )
    assert observatory.csp_test(page) == expected


def test_the_scorer_withholds_bonuses_from_a_page_under_90():
    page = observatory.Response(
        "https://calmhands.example/",
        200,
        [("Referrer-Policy", "no-referrer"), ("Cross-Origin-Opener-Policy", "same-origin")],
        "<p>no scripts</p>",
    )
    scan = observatory.Scan([page], page, page, OBSERVATORY_ORIGIN)
    report = observatory.score(scan)
    # No CSP (-25), no HSTS (-20), no X-Content-Type-Options (-5), no framing rule (-20),
    # http:// not redirected (-20): 10, and the +15 of bonuses does not count.
    assert report.score == 10
    assert report.grade == "F"


# -- the browser harness catches what it should --------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_browser_harness_records_a_violation_from_any_frame(browser, javascript):
    tab = new_page(browser, java_script_enabled=javascript)
    policy = {"Content-Security-Policy": "default-src 'none'; frame-src 'self'"}
    pages = {
        "/": '<p style="color: red">outer</p><iframe src="/inner"></iframe>',
        "/inner": "<script>document.title = 1</script><img src='data:image/gif;base64,R0lG'>",
    }
    tab.context.route(
        "http://csp-probe.test/**",
        lambda route: route.fulfill(
            body=pages[urlsplit(route.request.url).path],
            headers={**policy, "Content-Type": "text/html"},
        ),
    )
    tab.goto("http://csp-probe.test/")
    tab.frame_locator("iframe").locator("img").wait_for(state="attached")

    seen = CSP_VIOLATIONS.finish()  # taken here, so that this test itself passes

    assert any("style" in line for line in seen), seen
    assert any("inner" in line and "img-src" in line or "image" in line for line in seen), seen
    if javascript:
        assert any(line.startswith("securitypolicyviolation") for line in seen), seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_editor_sees_the_userbar_on_a_public_page_without_a_violation(browser, site_url):
    make_superuser("sarah", "a-long-passphrase")
    tab = new_page(browser)
    sign_in(tab, site_url, "sarah", "a-long-passphrase")

    response = tab.goto(site_url + DEMO_GUIDE_URL)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    tab.locator("#wagtail-userbar-trigger").click()
    edit = tab.locator("a[role=menuitem]", has_text="Edit this page")
    edit.wait_for(state="visible")
    assert edit.get_attribute("href").endswith("/edit/")
    # Any violation fails this test at its teardown (tests/browser_support.py).
