"""Production settings under gunicorn, as a one-server practice runs them."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings.production",
        DJANGO_SECRET_KEY="throwaway-key-for-the-production-server-test-" + "z" * 30,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        DJANGO_CACHE_DIR=str(tmp / "cache"),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
    )
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_demo_content", "--hostname", "127.0.0.1", "--port", str(port)],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(manage + command, cwd=BASE_DIR, env=env, check=True, timeout=300)
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "practice.wsgi",
            "--no-control-socket",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            fetch(base + "/robots.txt")
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stderr.read().decode())
    yield base
    server.terminate()
    server.wait(timeout=10)


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
