"""Whose word the site takes for a visitor's address: the header named by
DJANGO_CLIENT_IP_HEADER counts only when the request comes from one of DJANGO_TRUSTED_PROXIES.

The attack this closes: with the header set and gunicorn reachable without the proxy, a
guesser sends a new X-Real-IP with every try and is never locked out, or names the
therapist's address and locks her out. Here it is tried against the form rate limit and
django-axes in-process, and against gunicorn with the production settings on SQLite and on
PostgreSQL with Redis, its proxy at 127.0.0.2 and the attacker at 127.0.0.1.
"""

import contextlib
import html
import http.client
import ipaddress
import re
import urllib.parse

import pytest
from django.test import RequestFactory

from practice import checks
from services.protection import client_address

from .factories import make_staff_user
from .optional_services import require_redis
from .postgres_site import serve_postgres_site
from .posts import booking_data
from .servers import free_port, gunicorn, prepare_site, production_env, run_in_site_process

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1")]
TWO_PROXIES = [*LOOPBACK, ipaddress.ip_network("10.0.0.0/24")]
PASSWORD = "a-long-passphrase"
THERAPIST_AT = "198.51.100.20"
ATTACKER_AT = "203.0.113.66"


@pytest.mark.parametrize(
    ("remote", "header", "proxies", "expected"),
    [
        # Straight from the client: whatever it claims, its own address.
        ("203.0.113.7", "198.51.100.1", LOOPBACK, "203.0.113.7"),
        ("203.0.113.7", "127.0.0.1", LOOPBACK, "203.0.113.7"),
        ("2001:db8::7", "198.51.100.1", LOOPBACK, "2001:db8::7"),
        # From the proxy on this machine: the address it gives.
        ("127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("::1", "2001:db8::1", LOOPBACK, "2001:db8::1"),
        # gunicorn on a unix socket: no REMOTE_ADDR, only this machine can connect.
        ("", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        # The proxy sent nothing usable: the proxy's own address.
        ("127.0.0.1", None, LOOPBACK, "127.0.0.1"),
        ("127.0.0.1", "not-an-address", LOOPBACK, "127.0.0.1"),
        # A list the proxies append to: the last address that is not a proxy. What the
        # client wrote in front of it is ignored.
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("127.0.0.1", "bogus, 198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.5", TWO_PROXIES, "198.51.100.1"),
        ("10.0.0.5", "198.51.100.1", TWO_PROXIES, "198.51.100.1"),
        ("10.0.0.5", "198.51.100.1", LOOPBACK, "10.0.0.5"),
        # No trusted proxy at all: never the header.
        ("127.0.0.1", "198.51.100.1", [], "127.0.0.1"),
    ],
)
def test_the_header_counts_only_from_a_trusted_proxy(settings, remote, header, proxies, expected):
    settings.FORM_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": remote}
    if header is not None:
        extra["HTTP_X_REAL_IP"] = header

    assert client_address(RequestFactory().get("/", **extra)) == expected


def test_without_the_setting_the_header_is_never_read(settings):
    settings.FORM_CLIENT_IP_HEADER = ""
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.1")

    assert client_address(request) == "127.0.0.1"


# -- the attack, in-process: every form that counts by address --------------------------


@pytest.fixture
def behind_a_proxy_but_reachable(settings):
    settings.FORM_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.TRUSTED_PROXIES = LOOPBACK


def sign_in(client, password, **extra):
    return client.post("/admin/login/", {"username": "robin", "password": password}, **extra)


def reset(client, **extra):
    return client.post("/admin/password_reset/", {"email": "robin@example.com"}, **extra)


def book(client, **extra):
    return client.post("/book/", booking_data(email="guess@example.com"), **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("post", "refused"),
    [
        (lambda client, n, **extra: sign_in(client, f"guess-{n}", **extra), 429),
        (lambda client, n, **extra: reset(client, **extra), 429),
        (lambda client, n, **extra: book(client, **extra), 429),
    ],
    ids=["sign-in", "password reset", "booking form"],
)
def test_a_new_x_real_ip_each_time_does_not_dodge_the_limit(
    client, demo_site, behind_a_proxy_but_reachable, post, refused
):
    user = make_staff_user("robin", password=PASSWORD)
    user.email = "robin@example.com"
    user.save()

    statuses = [
        post(client, n, REMOTE_ADDR=ATTACKER_AT, HTTP_X_REAL_IP=f"198.51.100.{n + 1}").status_code
        for n in range(8)
    ]

    assert refused in statuses[5:]
    assert set(statuses[6:]) == {refused}


@pytest.mark.django_db
def test_claiming_the_therapists_address_does_not_lock_her_out(
    client, demo_site, behind_a_proxy_but_reachable
):
    make_staff_user("robin", password=PASSWORD)
    for n in range(10):
        sign_in(client, f"guess-{n}", REMOTE_ADDR=ATTACKER_AT, HTTP_X_REAL_IP=THERAPIST_AT)
    assert sign_in(client, PASSWORD, REMOTE_ADDR=ATTACKER_AT).status_code == 429

    # She comes through the proxy, which names her address.
    at_home = sign_in(client, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=THERAPIST_AT)

    assert at_home.status_code == 302


# -- check --deploy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "proxies", "found"),
    [
        ("HTTP_X_REAL_IP", LOOPBACK, []),
        ("", [ipaddress.ip_network("0.0.0.0/0")], []),
        ("HTTP_X_REAL_IP", [ipaddress.ip_network("0.0.0.0/0")], ["practice.E004"]),
        ("HTTP_X_FORWARDED_FOR", [*LOOPBACK, ipaddress.ip_network("::/0")], ["practice.E004"]),
        ("HTTP_X_REAL_IP", [], ["practice.W005"]),
    ],
)
def test_check_deploy_refuses_a_header_that_anyone_could_set(settings, header, proxies, found):
    settings.FORM_CLIENT_IP_HEADER = header
    settings.TRUSTED_PROXIES = proxies

    assert [message.id for message in checks.client_ip_header_check(None)] == found


# -- the attack against gunicorn with the production settings -------------------------

SERVER_ENV = {
    "DJANGO_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
    # The proxy is at 127.0.0.2; a request from 127.0.0.1 reached gunicorn directly.
    "DJANGO_TRUSTED_PROXIES": "127.0.0.2",
}
PROXY, DIRECT = "127.0.0.2", "127.0.0.1"


@contextlib.contextmanager
def sqlite_site(workdir):
    port = free_port()
    env = {**production_env(workdir, port), **SERVER_ENV}
    prepare_site(env, port=port)
    with gunicorn(env, port, workdir / "gunicorn.log") as base_url:
        yield base_url, env


@contextlib.contextmanager
def postgres_redis_site(workdir):
    env = {**SERVER_ENV, "REDIS_URL": require_redis(13)}
    with serve_postgres_site(workdir, env) as site:
        yield site.base_url, site.env


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ],
)
def server(request, tmp_path_factory):
    serve = sqlite_site if request.param == "sqlite" else postgres_redis_site
    with serve(tmp_path_factory.mktemp(f"client-address-{request.param}")) as (base_url, env):
        run_in_site_process(
            env,
            "from django.contrib.auth.models import User;"
            f"User.objects.create_superuser('robin', 'robin@example.com', {PASSWORD!r})",
        )
        yield base_url


class Browser:
    """One visitor's sign-in form, sent from ``source`` (its own loopback address)."""

    def __init__(self, base_url: str, source: str):
        self.port = urllib.parse.urlsplit(base_url).port
        self.source = source
        status, headers, body = self.request("GET", "/admin/login/")
        assert status == 200
        self.csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        self.csrf_token = html.unescape(
            re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        )

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode(errors="replace")
        finally:
            connection.close()

    def sign_in(self, password: str, x_real_ip: str | None = None) -> int:
        form = urllib.parse.urlencode(
            {
                "username": "robin",
                "password": password,
                "csrfmiddlewaretoken": self.csrf_token,
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={self.csrf_cookie}",
        }
        if x_real_ip:
            headers["X-Real-IP"] = x_real_ip
        return self.request("POST", "/admin/login/", form, headers)[0]


def test_against_gunicorn_rotating_x_real_ip_is_locked_out_and_the_therapist_is_not(server):
    attacker = Browser(server, DIRECT)
    statuses = [attacker.sign_in(f"guess-{n}", f"192.0.2.{n + 1}") for n in range(7)]
    statuses += [attacker.sign_in(f"guess-{n}", THERAPIST_AT) for n in range(7, 10)]

    assert statuses[:4] == [200] * 4
    assert set(statuses[5:]) == {429}
    assert attacker.sign_in(PASSWORD, "192.0.2.200") == 429

    # Through the proxy, the therapist's own address is hers alone, and not locked.
    assert Browser(server, PROXY).sign_in(PASSWORD, THERAPIST_AT) == 302
