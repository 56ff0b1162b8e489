"""Two app servers behind the front cache, sharing one PostgreSQL database and one Redis.

``serve_two_app_servers`` makes a fresh database with the demo site in it, then starts two
gunicorns with the production settings and the same environment (``DATABASE_URL``,
``REDIS_URL``, secret key, media folder) on two ports, and nginx from deploy/nginx/ with
both in its upstream (tests/front_proxy.py). Redis holds what the servers must agree on at
once: the page cache and its generation, which nginx keys its pages with, and the form
rate limits. Sessions live in the database (Django's default engine), so they are shared too.

Also here: an editor's browser that signs in to the Wagtail admin over HTTP and publishes
an edit (``AdminBrowser``), and email workers (``manage.py send_pending_notifications
--loop``) run side by side against the shared database (``notification_workers``).

Skipped without PostgreSQL, Redis or nginx on a laptop; failed under CI.
"""

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import requests
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from wagtail import blocks

from . import load
from .front_proxy import nginx, require_nginx, write_loopback_config
from .mail import RecordingHandler
from .optional_services import require_postgres, require_redis
from .servers import REPO_ROOT, free_port, gunicorn, run_in_site_process

# Redis database of this harness alone: it is flushed before and after.
REDIS_DB = 12
EDITOR_PASSWORD = "a-long-passphrase-for-two-servers"


@dataclasses.dataclass(frozen=True)
class TwoAppServers:
    server_a: str
    server_b: str
    proxy: str
    env: dict[str, str]
    database: load.Database
    workdir: Path

    def query(self, sql: str, *params) -> list[tuple]:
        return self.database.query(sql, *params)


@contextlib.contextmanager
def serve_two_app_servers(workdir: Path, *, workers_each: int = 2):
    """Yields the running pair and their proxy; drops the database and flushes Redis after."""
    require_nginx()
    postgres = require_postgres()
    redis_url = require_redis(REDIS_DB)
    port_a, port_b, proxy_port, purge_port = (free_port() for _ in range(4))
    with load.prepared_site(workdir / "site", "postgresql", postgres, redis_url) as (
        env,
        database,
    ):
        env.update(
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SERVE_MEDIA="0",
            PAGE_CACHE_ENABLED="1",
            WAGTAILADMIN_BASE_URL=f"http://127.0.0.1:{proxy_port}",
            FRONTEND_CACHE_PURGE_URL=f"http://127.0.0.1:{purge_port}",
        )
        # prepared_site put static/ and media/ under the site's folder: nginx serves both.
        config = write_loopback_config(
            workdir / "nginx", proxy_port, purge_port, [port_a, port_b], workdir / "site"
        )
        log = workdir / "gunicorn.log"
        with (
            side_by_side(
                gunicorn(env, port, log, workers=workers_each, start_timeout=90)
                for port in (port_a, port_b)
            ) as (server_a, server_b),
            nginx(config, workdir / "nginx", proxy_port) as proxy,
        ):
            yield TwoAppServers(server_a, server_b, proxy, env, database, workdir)


@contextlib.contextmanager
def side_by_side(managers):
    """Enters context managers at the same time, each in a thread (two servers boot in
    the time of one), yields their values, and exits them likewise."""
    managers = list(managers)
    stacks = [contextlib.ExitStack() for _ in managers]
    with concurrent.futures.ThreadPoolExecutor(len(managers)) as pool:
        entered = [
            pool.submit(stack.enter_context, manager)
            for stack, manager in zip(stacks, managers, strict=True)
        ]
        # Every one up or failed before going on, so that a failure still stops them all.
        concurrent.futures.wait(entered)
        try:
            yield [future.result() for future in entered]
        finally:
            list(pool.map(contextlib.ExitStack.close, stacks))


def make_editor(env: dict[str, str], username: str) -> None:
    """An account in Wagtail's Moderators group (edit and publish pages), made as an
    administrator would make it; the test then signs in with it through the admin."""
    script = (
        "from tests.factories import make_staff_user; "
        f"make_staff_user({username!r}, 'Moderators', password={EDITOR_PASSWORD!r})"
    )
    run_in_site_process(env, script, timeout=60)


# -- an editor in the admin, over HTTP ---------------------------------------------------


def form_fields(form) -> list[tuple[str, str]]:
    """What a browser would post for ``form`` as it stands (BeautifulSoup's tag)."""
    fields = []
    for element in form.find_all(("input", "textarea", "select")):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "textarea":
            fields.append((name, element.text.removeprefix("\n")))
        elif element.name == "select":
            options = element.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not element.has_attr("multiple"):
                chosen = options[:1]
            fields.extend((name, o.get("value", o.text)) for o in chosen)
        else:
            kind = element.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            fields.append((name, element.get("value", "on" if kind == "checkbox" else "")))
    return fields


def stream_fields(block, state, prefix: str) -> list[tuple[str, str]]:
    """What Wagtail's block widgets post for a block in ``state`` (the JSON the editor's
    page hands to its JavaScript): the fields a browser builds from it and sends."""
    if isinstance(block, (blocks.StreamBlock, blocks.ListBlock)):
        fields = [(f"{prefix}-count", str(len(state)))]
        for n, child in enumerate(state):
            child_prefix = f"{prefix}-{n}"
            if isinstance(block, blocks.StreamBlock):
                child_block = block.child_blocks[child["type"]]
                fields.append((f"{child_prefix}-type", child["type"]))
            else:
                child_block = block.child_block
            fields += [
                (f"{child_prefix}-deleted", ""),
                (f"{child_prefix}-order", str(n)),
                (f"{child_prefix}-id", child.get("id") or ""),
            ]
            fields += stream_fields(child_block, child["value"], f"{child_prefix}-value")
        return fields
    if isinstance(block, blocks.StructBlock):
        return [
            field
            for name, child_block in block.child_blocks.items()
            for field in stream_fields(child_block, (state or {}).get(name), f"{prefix}-{name}")
        ]
    # A field's widget: a select's chosen values, a chooser's object, a checkbox, or text.
    if isinstance(state, list):
        return [(prefix, str(value)) for value in state]
    if isinstance(state, dict):
        return [(prefix, str(state["id"]))]
    if isinstance(state, bool):
        return [(prefix, "on")] if state else []
    return [(prefix, "" if state is None else str(state))]


class AdminBrowser:
    """An editor's browser on one app server, as if behind the TLS proxy.

    It says ``X-Forwarded-Proto: https`` (the production cookies are Secure) and keeps its
    cookies itself; redirects are not followed, so each answer can be checked.
    """

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.base_url = base_url
        self.origin = f"https://{parts.netloc}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data=None) -> requests.Response:
        response = requests.request(
            method,
            self.base_url + path,
            data=data,
            cookies=self.cookies,
            headers={
                "X-Forwarded-Proto": "https",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
            allow_redirects=False,
            timeout=60,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def form(self, path: str, selector: str, stream_blocks=None) -> list[tuple[str, str]]:
        """The fields of the form at ``selector`` on the page at ``path``, as a browser would
        post them. ``stream_blocks`` names the block of each StreamField in the form."""
        page = self.request("GET", path)
        if page.status_code != 200:
            raise AssertionError(f"GET {path} answered {page.status_code}")
        form = BeautifulSoup(page.text, "html.parser").select_one(selector)
        if form is None:
            raise AssertionError(f"no {selector} on {path}")
        fields = form_fields(form)
        for widget in form.select("[data-controller=w-block]"):
            name = widget["id"]
            if name not in (stream_blocks or {}):
                raise AssertionError(f"no block given for the stream field {name}")
            state, _errors = json.loads(widget["data-w-block-arguments-value"])
            fields += stream_fields(stream_blocks[name], state, name)
        return fields

    def sign_in(self, username: str, password: str) -> None:
        fields = self.form("/admin/login/", "form[method=post]")
        data = dict(fields) | {"username": username, "password": password}
        answer = self.request("POST", "/admin/login/", data)
        if answer.status_code != 302 or "sessionid" not in self.cookies:
            raise AssertionError(f"sign-in refused: {answer.status_code}")

    def publish_edit(
        self, page_id: int, changes: dict[str, str], stream_blocks=None
    ) -> requests.Response:
        """Open the page's editor, change ``changes``' fields, keep every other field as the
        form holds it, and press Publish."""
        path = f"/admin/pages/{page_id}/edit/"
        fields = self.form(path, "form#page-edit-form", stream_blocks)
        missing = set(changes) - {name for name, _ in fields}
        if missing:
            raise AssertionError(f"the editor has no field {sorted(missing)}")
        data = [(name, changes.get(name, value)) for name, value in fields]
        return self.request("POST", path, [*data, ("action-publish", "action-publish")])


# -- email: a mail server on loopback, and workers against the shared database ----------


class GatedHandler(RecordingHandler):
    """Holds every message until ``gate`` opens, counting those held at the same time."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.held = 0
        self.most_held = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.held += 1
            self.most_held = max(self.most_held, self.held)
        try:
            while not self.gate.is_set():
                await asyncio.sleep(0.02)
        finally:
            with self._lock:
                self.held -= 1
        return await super().handle_DATA(server, session, envelope)


class GatedMailServer:
    """A real SMTP server on 127.0.0.1 that holds the first messages until released.

    With ``hold_until=2`` and two email workers, the test opens the gate only once each
    worker has a message of its own in flight: both are then sending at the same time,
    and race for the rest of the queue.
    """

    def __init__(self, hold_until: int):
        self.hold_until = hold_until
        self.handler = GatedHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.release()
        self.controller.stop()

    def held_at_once(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.handler.most_held < self.hold_until:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def release(self) -> None:
        self.handler.gate.set()


def mail_env(env: dict[str, str], smtp_port: int) -> dict[str, str]:
    return {
        **env,
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "DJANGO_EMAIL_USE_TLS": "0",
        "DJANGO_EMAIL_USE_SSL": "0",
        # Longer than the gate holds a message (GatedMailServer).
        "DJANGO_EMAIL_TIMEOUT": "90",
    }


@dataclasses.dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def notification_workers(env: dict[str, str], count: int, workdir: Path, *, interval=0.2):
    """``count`` email workers (``send_pending_notifications --loop``) started at once;
    each is stopped with SIGTERM, as systemd stops it, when the block ends."""
    workers = []
    try:
        for n in range(count):
            log_path = workdir / f"worker-{n}.log"
            with log_path.open("w") as log:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "manage.py",
                        "send_pending_notifications",
                        "--loop",
                        f"--interval={interval}",
                    ],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            workers.append(Worker(process, log_path))
        yield workers
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


def wait_until_sent(database: load.Database, workers: list[Worker], timeout: float) -> float:
    """Seconds until no email is waiting or being sent; fails after ``timeout``."""
    started = time.monotonic()
    while True:
        waiting = database.query(
            "SELECT COUNT(*) FROM bookings_notification WHERE status IN ('pending', 'sending')"
        )[0][0]
        if waiting == 0:
            return time.monotonic() - started
        for worker in workers:
            if worker.process.poll() is not None:
                raise AssertionError(f"a worker exited early:\n{worker.log()}")
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{waiting} emails still unsent after {timeout} s")
        time.sleep(0.1)
