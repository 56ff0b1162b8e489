"""The front cache's purge listener down or broken: publishing still works, nothing 500s,
and the failed purge is logged (caching/front_cache.py). nginx then drops its copy of the
generation on its own within 30 s (deploy/nginx/practice/locations.conf)."""

import logging
import socket
import threading

import pytest

from caching.front_cache import purge_everything

from .servers import free_port

pytestmark = pytest.mark.django_db


class BrokenListener:
    """A purge listener on loopback that answers in one broken way."""

    ANSWERS = {
        "closes at once": None,
        "answers nonsense": b"nonsense\r\n\r\n",
        "answers 500": b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        "answers half a status line": b"HTTP/1.1 2",
    }

    def __init__(self, behaviour: str):
        self.answer = self.ANSWERS[behaviour]
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                connection.recv(4096)
                if self.answer is not None:
                    connection.sendall(self.answer)

    def close(self):
        self.sock.close()


BEHAVIOURS = ["refuses connections", *BrokenListener.ANSWERS]


@pytest.fixture(params=BEHAVIOURS)
def broken_purge(request, settings):
    listener = None
    if request.param == "refuses connections":
        port = free_port()
    else:
        listener = BrokenListener(request.param)
        port = listener.port
    settings.WAGTAILFRONTENDCACHE = {
        "nginx": {
            "BACKEND": "caching.front_cache.GenerationPurgeBackend",
            "LOCATION": f"http://127.0.0.1:{port}",
        }
    }
    yield request.param
    if listener:
        listener.close()


def test_a_purge_that_fails_is_logged_and_raises_nothing(broken_purge, caplog):
    with caplog.at_level(logging.ERROR, logger="caching.front_cache"):
        purge_everything()

    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "front cache" in caplog.records[0].getMessage()


def test_publishing_works_while_the_purge_fails(
    broken_purge, client, demo_site, django_capture_on_commit_callbacks
):
    demo_site.hero_heading = f"Published ({broken_purge})"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        demo_site.save_revision().publish()
    public = client.get("/")

    assert purge_everything in [getattr(c, "func", c) for c in callbacks]
    assert public.status_code == 200
    assert f"Published ({broken_purge})" in public.content.decode()
