"""The site under load and under faults, as visitors and operators meet them.

Shared by tests/test_load_and_faults.py (small numbers) and bench/load.py (`make
bench-load`, the full run): the production settings under gunicorn with several workers, on
SQLite or on PostgreSQL with Redis; visitors that book as a browser does; and the faults: a
worker killed with SIGKILL, the database locked by another writer, the mail server down.

Every visitor opens the booking page (a GET that gives it a fresh form token and the CSRF
cookie), takes longer than the minimum fill time, and posts the form over "https" (the
proxy's ``X-Forwarded-Proto``) from its own address (``X-Real-IP``, named by
``DJANGO_CLIENT_IP_HEADER``). Redirects are not followed: a 302 to the thank-you page is
the answer that says "stored".
"""

import concurrent.futures
import contextlib
import dataclasses
import datetime
import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from html.parser import HTMLParser
from pathlib import Path

from .private_redis import private_redis
from .servers import REPO_ROOT, free_port, gunicorn, prepare_site, production_env

BOOKING_PATH = "/book/"
# Longer than the form's minimum fill time (FORM_MIN_FILL_SECONDS, 3 s): a person's pace.
FILL_SECONDS = 3.2
KILL_HOLD_SECONDS = 2.0
CLIENT_TIMEOUT = 120
# One address per visitor, each allowed this many posts a minute: the limit stays on.
RATE_LIMIT_POSTS = 10


# -- the site ------------------------------------------------------------------------


@dataclasses.dataclass
class Database:
    """Where the site keeps its rows, and a way to read them from outside the site."""

    url: str
    redis_url: str = ""

    @property
    def vendor(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(urllib.parse.urlsplit(self.url).path)

    def query(self, sql: str, *params) -> list[tuple]:
        """Runs ``sql`` (with %s placeholders) and commits, as psycopg's block does."""
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=60)) as conn, conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@contextlib.contextmanager
def prepared_site(workdir: Path, vendor: str, postgres_url: str = "", redis_url: str = ""):
    """A migrated demo site with its static files collected; yields (env, Database).

    ``vendor`` "sqlite" keeps the database in a file under ``workdir`` and the cache in
    files; "postgresql" makes a fresh database on ``postgres_url`` (dropped afterwards) and
    puts the cache and the rate limits in ``redis_url`` (flushed before and after).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = production_env(workdir, 0)
    env.update(
        DJANGO_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        FORM_RATE_LIMIT_POSTS=str(RATE_LIMIT_POSTS),
        WAGTAILADMIN_BASE_URL="http://127.0.0.1",
    )
    name = ""
    if vendor == "sqlite":
        database = Database(env["DATABASE_URL"])
    else:
        import redis

        name = f"load_{uuid.uuid4().hex[:8]}"
        database = Database(f"{postgres_url}/{name}", redis_url)
        redis.Redis.from_url(redis_url).flushdb()
        env.update(DATABASE_URL=database.url, REDIS_URL=redis_url)
    try:
        prepare_site(env)
        yield env, database
    finally:
        if name:
            import psycopg
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            with psycopg.connect(f"{postgres_url}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclasses.dataclass
class Server:
    base_url: str
    pid_file: Path
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def master_pid(self) -> int:
        return int(self.pid_file.read_text().strip())

    def worker_pids(self) -> list[int]:
        master = self.master_pid()
        return [pid for pid in _all_pids() if _parent_pid(pid) == master]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def serve(env: dict, workdir: Path, *options: str, workers: int = 4, **extra_env):
    """gunicorn with ``workers`` sync workers and gunicorn's own default worker timeout
    (30 s) unless ``options`` say otherwise, as docs/deployment.md runs it."""
    port = free_port()
    name = f"gunicorn-{port}"
    pid_file = workdir / f"{name}.pid"
    log_path = workdir / f"{name}.log"
    with gunicorn(
        {**env, **extra_env},
        port,
        log_path,
        f"--pid={pid_file}",
        *options,
        workers=workers,
        start_timeout=90,
    ) as base_url:
        yield Server(base_url, pid_file, log_path)


def _all_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


# -- visitors ------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The booking form as a browser sees it: hidden values, each select's first choice and
    the free times offered."""

    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.first_choice: dict[str, str] = {}
        self.times: list[str] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.hidden[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("name") == "times":
            self.times.append(attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and attrs.get("value"):
            self.first_choice.setdefault(self._select, attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    @classmethod
    def times_in(cls, html: str) -> list[str]:
        reader = cls()
        reader.feed(html)
        return reader.times


@dataclasses.dataclass
class Answer:
    status: int | None  # None: no answer at all (the connection closed or reset)
    seconds: float
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: str = ""
    error: str = ""


@dataclasses.dataclass
class Booking:
    """One visitor's filled-in form: posting it again is the same form sent again."""

    email: str
    fields: dict[str, str]
    cookie: str
    address: str
    answers: list[Answer] = dataclasses.field(default_factory=list)

    @property
    def first(self) -> Answer:
        return self.answers[0]


class Visitor:
    """A browser behind the site's TLS proxy, at its own address."""

    def __init__(self, base_url: str, address: str):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.hostname}:{parts.port}"
        self.address = address

    def request(self, method: str, path: str, body: str = "", headers=None) -> Answer:
        all_headers = {
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.address,
            "Connection": "close",
            **(headers or {}),
        }
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT)
        try:
            connection.request(method, path, body=body or None, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            return Answer(
                response.status, time.monotonic() - started, dict(response.getheaders()), text
            )
        except (OSError, http.client.HTTPException) as error:
            return Answer(None, time.monotonic() - started, error=type(error).__name__)
        finally:
            connection.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def open_form_page(self) -> str:
        """The booking page after "Show free times" for the first treatment's first length."""
        page = self.get(BOOKING_PATH)
        if page.status != 200:
            raise RuntimeError(f"GET {BOOKING_PATH} answered {page.status} {page.error}")
        choice = FormReader()
        choice.feed(page.body)
        query = urllib.parse.urlencode(
            {"service": choice.first_choice["service"], "session": choice.first_choice["session"]}
        )
        return self.get(f"{BOOKING_PATH}?{query}")

    def open_form(self, email: str) -> Booking:
        """GET the booking page, choose the first treatment's first length ("Show free
        times"), and fill in the form as a person would, with the first free time (not yet
        sent)."""
        page = self.open_form_page()
        if page.status != 200:
            raise RuntimeError(f"GET the booking page's free times answered {page.status}")
        form = FormReader()
        form.feed(page.body)
        if not form.times:
            raise RuntimeError("The booking page offered no free time")
        cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", ""))
        fields = {
            **form.hidden,
            "website": "",
            "name": "Load Visitor",
            "email": email,
            "phone": "07700 900123",
            "client_type": "new",
            "times": form.times[0],
            "notes": "",
        }
        return Booking(
            email, fields, f"csrftoken={cookie.group(1)}" if cookie else "", self.address
        )

    def send(self, booking: Booking) -> Answer:
        answer = self.request(
            "POST",
            BOOKING_PATH,
            urllib.parse.urlencode(booking.fields),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": booking.cookie,
                "Origin": self.origin,
                "Referer": self.origin + BOOKING_PATH,
            },
        )
        booking.answers.append(answer)
        return answer


def send_again(base_url: str, booking: Booking) -> Answer:
    """The same visitor sends the same form again (the browser's back button, then Send)."""
    return Visitor(base_url, booking.address).send(booking)


def address(n: int) -> str:
    """A distinct private address (10.x.y.z) for visitor n."""
    return f"10.{n // 250 % 250}.{n % 250}.{1 + n // 62_500}"


def stored(answer: Answer) -> bool:
    """The answer that means the post was taken: the redirect to the thank-you page."""
    return answer.status is not None and 200 <= answer.status < 400


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (p99 of 500 is the 495th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def timings(bookings: list[Booking]) -> dict:
    seconds = [b.first.seconds for b in bookings if b.first.status is not None]
    return {
        "p50_ms": 1000 * percentile(seconds, 50),
        "p99_ms": 1000 * percentile(seconds, 99),
        "max_ms": 1000 * max(seconds, default=float("nan")),
    }


# -- what the database holds -------------------------------------------------------


def booking_rows(database: Database, prefix: str) -> dict:
    """Rows whose visitor email starts with ``prefix``: each email's count, and whether
    every booking has its two emails queued."""
    emails = [
        row[0]
        for row in database.query(
            "SELECT email FROM bookings_bookingrequest WHERE email LIKE %s", prefix + "%"
        )
    ]
    counts: dict[str, int] = {}
    for email in emails:
        counts[email] = counts.get(email, 0) + 1
    incomplete = database.query(
        "SELECT b.id FROM bookings_bookingrequest b LEFT JOIN bookings_notification n "
        "ON n.booking_id = b.id WHERE b.email LIKE %s GROUP BY b.id HAVING COUNT(n.id) <> 2",
        prefix + "%",
    )
    return {"counts": counts, "incomplete": len(incomplete)}


def totals(database: Database) -> dict:
    """Every booking, email and claimed form token in the database."""

    def count(table: str) -> int:
        return database.query(f"SELECT COUNT(*) FROM {table}")[0][0]

    return {
        "bookings": count("bookings_bookingrequest"),
        "notifications": count("bookings_notification"),
        "tokens": count("services_submissiontoken"),
        "quarantined": count("services_quarantinedsubmission"),
    }


# -- a: many visitors at once ----------------------------------------------------------


def booking_burst(base_url: str, clients: int, posts_each: int, prefix: str) -> list[Booking]:
    """``clients`` visitors at once, each booking ``posts_each`` times in a row: open the
    form, fill it in for FILL_SECONDS, send it."""

    def visitor(n: int) -> list[Booking]:
        browser = Visitor(base_url, address(n))
        made = []
        for k in range(posts_each):
            booking = browser.open_form(f"{prefix}{n}-{k}@example.com")
            time.sleep(FILL_SECONDS)
            browser.send(booking)
            made.append(booking)
        return made

    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        return [b for made in pool.map(visitor, range(clients)) for b in made]


def burst_report(database: Database, bookings: list[Booking], prefix: str) -> dict:
    rows = booking_rows(database, prefix)
    statuses: dict[str, int] = {}
    for booking in bookings:
        key = str(booking.first.status or "no answer")
        statuses[key] = statuses.get(key, 0) + 1
    accepted = {b.email for b in bookings if stored(b.first)}
    return {
        "posts": len(bookings),
        "statuses": statuses,
        "accepted": len(accepted),
        "rows": sum(rows["counts"].values()),
        "accepted_without_row": len(accepted - rows["counts"].keys()),
        "rows_not_accepted": len(rows["counts"].keys() - accepted),
        "duplicates": sum(n - 1 for n in rows["counts"].values()),
        "server_errors": sum(
            1 for b in bookings if b.first.status is not None and b.first.status >= 500
        ),
        "incomplete": rows["incomplete"],
        **timings(bookings),
    }


def rate_limit_holds(base_url: str, posts: int = RATE_LIMIT_POSTS + 2) -> list[int]:
    """One visitor sending its form, left incomplete, more often than the limit allows in a
    minute: the statuses it gets (400 while it may post, then 429). Proof that the limit
    was on during the load run; an incomplete form stores nothing. The limit counts in
    fixed minutes, so a sequence that straddles a minute's end is sent again."""
    browser = Visitor(base_url, "10.255.255.254")
    booking = browser.open_form("rate-limit@example.com")
    del booking.fields["name"]
    time.sleep(FILL_SECONDS)
    for _ in range(3):
        minute = int(time.time() // 60)
        statuses = [browser.send(booking).status for _ in range(posts)]
        if int(time.time() // 60) == minute:
            break
        time.sleep(60 - time.time() % 60)  # into a fresh minute, with nothing counted yet
    return statuses


# -- b: a worker killed in the middle of a burst ----------------------------------------


def busy_worker(server: Server) -> int | None:
    """A worker holding an open connection from a visitor: it is in the middle of a request."""
    port_hex = f":{server.port:04X}"
    connections = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[1].endswith(port_hex) and fields[3] == "01":  # ESTABLISHED
                    connections.add(fields[9])
    for pid in server.worker_pids():
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:[") and link[8:-1] in connections:
                        return pid
    return None


@contextlib.contextmanager
def booking_writes_held(database: Database, seconds: float):
    """For ``seconds``, a booking post waits inside its worker at its write: SQLite's write
    lock, or on PostgreSQL a lock on the bookings table that only inserts wait for."""
    if database.vendor == "sqlite":
        with sqlite_locked(database.sqlite_path, seconds):
            yield
        return
    import psycopg

    with psycopg.connect(database.url) as conn:
        conn.execute("LOCK TABLE bookings_bookingrequest IN SHARE ROW EXCLUSIVE MODE")
        started = time.monotonic()
        yield
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        conn.rollback()


def burst_with_a_killed_worker(
    server: Server,
    database: Database,
    clients: int,
    posts_each: int,
    prefix: str,
    kill_after: int,
) -> dict:
    """Forms opened first, then sent by ``clients`` visitors at once. Once ``kill_after``
    posts have been answered, the booking writes are held for a moment, so the next posts
    wait inside their workers, and a worker holding one gets SIGKILL; if that post still
    had its answer, another busy worker is killed, up to three times, until one post goes
    unanswered. The hold is shorter than the site's busy timeout: no post is refused."""
    bookings = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        visitors = [Visitor(server.base_url, address(5000 + n)) for n in range(clients)]
        opened = pool.map(
            lambda n: [
                visitors[n].open_form(f"{prefix}{n}-{k}@example.com") for k in range(posts_each)
            ],
            range(clients),
        )
        per_visitor = list(opened)
        bookings = [b for made in per_visitor for b in made]
        time.sleep(FILL_SECONDS)
        answered = threading.Semaphore(0)
        killed: list[int] = []

        def send_all(n: int) -> None:
            for booking in per_visitor[n]:
                visitors[n].send(booking)
                answered.release()

        def killer() -> None:
            for _ in range(kill_after):
                answered.acquire()
            for _ in range(3):
                with booking_writes_held(database, KILL_HOLD_SECONDS):
                    # Long enough for a post that was past its write to be answered.
                    time.sleep(0.4)
                    pid = None
                    while pid is None and not all(b.answers for b in bookings):
                        pid = busy_worker(server)
                    if pid is not None:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                if pid is None:
                    return
                time.sleep(1)
                if any(b.answers and b.first.status is None for b in bookings):
                    return

        kill = threading.Thread(target=killer)
        kill.start()
        list(pool.map(send_all, range(clients)))
        kill.join()
    return {"bookings": bookings, "killed": killed}


def retry_unanswered(server: Server, bookings: list[Booking], database: Database, prefix):
    """Send again, with the same form token, every post that got no answer, and a few that
    did (an answer lost on the way back looks the same to the visitor)."""
    unanswered = [b for b in bookings if b.first.status is None]
    already = booking_rows(database, prefix)["counts"]
    stored_before_retry = sum(1 for b in unanswered if b.email in already)
    answered_again = [b for b in bookings if stored(b.first)][:5]
    retried = unanswered + answered_again
    # A visitor who sent as many forms as the rate limit allows in a minute must wait for
    # the next minute, as the 429 page tells a person to.
    sent_by = [b.address for b in bookings]
    if any(sent_by.count(b.address) >= RATE_LIMIT_POSTS for b in retried):
        time.sleep(60 - time.time() % 60 + 1)
    for booking in retried:
        send_again(server.base_url, booking)
    return {
        "unanswered": len(unanswered),
        "unanswered_already_stored": stored_before_retry,
        "answered_posts_sent_again": len(answered_again),
        "retry_statuses": sorted({str(b.answers[-1].status) for b in retried}),
    }


def killed_worker_report(database: Database, run: dict, retry: dict, prefix: str) -> dict:
    bookings = run["bookings"]
    rows = booking_rows(database, prefix)
    answered = {b.email for b in bookings if stored(b.first)}
    every = {b.email for b in bookings}
    return {
        "posts": len(bookings),
        "killed_workers": len(run["killed"]),
        "answered_2xx_3xx": len(answered),
        "answered_but_missing": len(answered - rows["counts"].keys()),
        "server_errors": sum(
            1 for b in bookings if b.first.status is not None and b.first.status >= 500
        ),
        **retry,
        "posts_without_row_after_retry": len(every - rows["counts"].keys()),
        "duplicates": sum(n - 1 for n in rows["counts"].values()),
        "incomplete": rows["incomplete"],
    }


# -- c: the database locked by another writer ----------------------------------------

LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


@contextlib.contextmanager
def sqlite_locked(path: Path, seconds: float):
    """Another process holds SQLite's write lock (BEGIN EXCLUSIVE) for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if holder.stdout.readline().strip() != "locked":
            raise RuntimeError("the lock holder did not take the lock")
        yield holder
    finally:
        holder.wait(timeout=seconds + 30)


def posts_during_lock(
    server: Server,
    database: Database,
    seconds: float,
    clients: int,
    prefix: str,
    spread_seconds: float,
    cached_paths: tuple[str, ...] = ("/", "/blog/massage-for-sciatica-relief/"),
) -> dict:
    """While another writer holds the lock for ``seconds``: ``clients`` visitors send forms
    they opened before it, one after another over its first ``spread_seconds``, while
    another visitor reads cached pages until it is released."""
    reader = Visitor(server.base_url, "10.253.0.1")
    for path in cached_paths:
        for _ in range(2):
            reader.get(path)
    visitors = [Visitor(server.base_url, address(9000 + n)) for n in range(clients)]
    bookings = [v.open_form(f"{prefix}{n}@example.com") for n, v in enumerate(visitors)]
    time.sleep(FILL_SECONDS)
    page_answers: list[Answer] = []
    started = time.monotonic()
    with sqlite_locked(database.sqlite_path, seconds) as holder:

        def send(n: int) -> None:
            time.sleep(n * spread_seconds / max(clients, 1))
            visitors[n].send(bookings[n])

        def read_pages() -> None:
            while holder.poll() is None and time.monotonic() - started < seconds:
                for path in cached_paths:
                    page_answers.append(reader.get(path))
                time.sleep(0.5)

        with concurrent.futures.ThreadPoolExecutor(max_workers=clients + 1) as pool:
            pages = pool.submit(read_pages)
            list(pool.map(send, range(clients)))
            pages.result()
    during = booking_rows(database, prefix)
    refused = [b for b in bookings if b.first.status == 503]
    return {
        "bookings": bookings,
        "refused": refused,
        "page_answers": page_answers,
        "rows_after_lock": during,
    }


def locked_report(database: Database, run: dict, retried: list[Booking], prefix: str) -> dict:
    bookings, refused = run["bookings"], run["refused"]
    statuses: dict[str, int] = {}
    for booking in bookings:
        key = str(booking.first.status or "no answer")
        statuses[key] = statuses.get(key, 0) + 1
    counts = run["rows_after_lock"]["counts"]
    page_statuses = [a.status for a in run["page_answers"]]
    rows_after_retry = booking_rows(database, prefix)
    return {
        "posts": len(bookings),
        "statuses": statuses,
        "refused_503": len(refused),
        "refused_with_retry_after": sum(1 for b in refused if b.first.headers.get("Retry-After")),
        "refused_seconds_max": max((b.first.seconds for b in refused), default=0),
        "refused_but_stored": sum(1 for b in refused if b.email in counts),
        "accepted": sum(1 for b in bookings if stored(b.first)),
        "accepted_but_missing": sum(
            1 for b in bookings if stored(b.first) and b.email not in counts
        ),
        "server_errors_not_503": sum(
            1 for b in bookings if (b.first.status or 0) >= 500 and b.first.status != 503
        ),
        "no_answer": sum(1 for b in bookings if b.first.status is None),
        "cached_page_gets": len(page_statuses),
        "cached_page_gets_ok": sum(1 for s in page_statuses if s == 200),
        "cached_page_hits": sum(
            1 for a in run["page_answers"] if a.headers.get("X-Page-Cache") == "hit"
        ),
        "cached_page_max_ms": 1000 * max((a.seconds for a in run["page_answers"]), default=0),
        "retried_after_lock": len(retried),
        "retry_statuses": sorted({str(b.answers[-1].status) for b in retried}),
        "rows_after_retry": sum(rows_after_retry["counts"].values()),
        "duplicates": sum(n - 1 for n in rows_after_retry["counts"].values()),
        "incomplete": rows_after_retry["incomplete"],
    }


def worker_timeouts(server: Server) -> int:
    """How often gunicorn killed a worker for taking too long to answer."""
    return server.log().count("WORKER TIMEOUT")


# -- d: the mail server down, then back ---------------------------------------------


class MailServer:
    """A real SMTP server (aiosmtpd) on one loopback port that can be switched off (the port
    refuses connections), made to refuse mail (451 to every message), or run normally."""

    def __init__(self):
        from .mail import RecordingHandler

        self.handler = RecordingHandler()
        self.port = free_port()
        self._controller = None

    def switch(self, state: str) -> None:
        from aiosmtpd.controller import Controller

        if state == "down":
            if self._controller:
                self._controller.stop()
                self._controller = None
            return
        self.handler.mode = {"refusing": "tempfail", "up": "accept"}[state]
        if not self._controller:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def received(self) -> list[tuple[str, str]]:
        """(recipients, subject) of every message accepted."""
        from email import message_from_bytes

        return [
            (",".join(sorted(e.rcpt_tos)), message_from_bytes(e.content)["Subject"])
            for e in self.handler.messages
        ]


WORKER_INTERVAL = datetime.timedelta(seconds=5)


def email_outage(mail: MailServer, outage_minutes: int = 60, refusing_minutes: int = 30) -> dict:
    """The mail server unreachable, then refusing mail, for ``outage_minutes`` in all, then
    back; the real worker (``send_pending_notifications``) runs a round whenever an email is
    due. Needs Django set up, with its email settings pointing at ``mail``.

    The hour passes on a simulated clock. After each round, the clock moves on to the
    moment the next email is due: every waiting row's ``next_attempt_at`` moves back by that
    step, which is what an hour passing does to them. The backoff itself is the worker's
    own (1, 2, 4 … minutes); the rounds land where real ones would have found work. Emails
    that failed seconds apart in real time fall due seconds apart too, so a large queue
    takes several rounds at each step, as it would.
    """
    import io

    from django.core.management import call_command
    from django.db.models import F, Min
    from django.utils import timezone

    from bookings.models import Notification

    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    started = timezone.now()
    moved = datetime.timedelta(0)
    rounds = []
    while pending.exists() and len(rounds) < 1000:
        # The simulated clock: the real time since the start, plus every move forward.
        minutes = (timezone.now() - started + moved).total_seconds() / 60
        if minutes < outage_minutes - refusing_minutes:
            state = "down"
        elif minutes < outage_minutes:
            state = "refusing"
        else:
            state = "up"
        mail.switch(state)
        call_command("send_pending_notifications", limit=100_000, stdout=io.StringIO())
        rounds.append(
            {
                "minute": round(minutes, 1),
                "mail server": state,
                "sent": Notification.objects.filter(status=Notification.Status.SENT).count(),
                "waiting": pending.count(),
            }
        )
        next_due = pending.aggregate(next_due=Min("next_attempt_at"))["next_due"]
        if next_due is None:
            break
        # The looping worker's next round after that moment (it looks every 5 s).
        step = max(next_due - timezone.now() + WORKER_INTERVAL, datetime.timedelta(0))
        pending.update(next_attempt_at=F("next_attempt_at") - step)
        moved += step
    rows = Notification.objects.all()
    received = mail.received()
    return {
        "emails": rows.count(),
        "sent": rows.filter(status=Notification.Status.SENT).count(),
        "failed": rows.filter(status=Notification.Status.FAILED).count(),
        "received": len(received),
        "received_distinct": len(set(received)),
        "most_attempts": max(rows.values_list("attempts", flat=True), default=0),
        "rounds": rounds,
    }


def email_outage_in_site(env: dict, outage_minutes: int = 60) -> dict:
    """``email_outage`` on a site's own database, in a process with the site's settings."""
    import json

    code = (
        "import django, json; django.setup(); from tests import load; "
        "mail = load.MailServer(); "
        "from django.conf import settings; settings.EMAIL_PORT = mail.port; "
        f"result = load.email_outage(mail, {outage_minutes}); mail.switch('down'); "
        "print('RESULT ' + json.dumps(result))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={
            **env,
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_USE_TLS": "0",
            "DJANGO_EMAIL_TIMEOUT": "5",
            "PYTHONPATH": str(REPO_ROOT),
        },
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


# -- e: Redis stopped under load, then back -------------------------------------------

PUBLIC_PATHS = ("/", "/services/", "/blog/", "/blog/massage-for-sciatica-relief/", "/book/")


def redis_outage(
    server: Server,
    redis,
    clients: int,
    outage_seconds: float,
    prefix: str,
    before_seconds: float = 4,
    after_seconds: float = 8,
) -> dict:
    """``clients`` visitors book again and again (open the form, fill it in, send it) while
    a reader asks for the public pages, for ``before_seconds``; then ``redis`` (a
    tests/private_redis.PrivateRedis) is stopped for ``outage_seconds`` and started again,
    empty; the load goes on for ``after_seconds``. During the outage one address also posts
    an incomplete form more often than the limit allows, to see the rate limit hold."""
    phases = {"phase": "before"}
    bookings: list[tuple[str, Booking]] = []
    pages: list[tuple[str, Answer]] = []
    limited: list[int] = []
    lock = threading.Lock()
    ending = threading.Event()

    def visitor(n: int) -> None:
        browser = Visitor(server.base_url, address(20_000 + n))
        k = 0
        while not ending.is_set():
            phase = phases["phase"]
            try:
                booking = browser.open_form(f"{prefix}{n}-{k}@example.com")
            except RuntimeError as error:  # the page itself failed: counted as an answer
                with lock:
                    pages.append((phase, Answer(None, 0, error=str(error))))
                time.sleep(0.5)
                continue
            time.sleep(FILL_SECONDS)
            browser.send(booking)
            with lock:
                bookings.append((phase, booking))
            k += 1

    def reader() -> None:
        browser = Visitor(server.base_url, "10.254.0.1")
        while not ending.is_set():
            for path in PUBLIC_PATHS:
                answer = browser.get(path)
                with lock:
                    pages.append((phases["phase"], answer))
            time.sleep(0.2)

    def over_the_limit() -> None:
        browser = Visitor(server.base_url, "10.254.0.2")
        booking = browser.open_form("over-the-limit@example.com")
        del booking.fields["name"]
        time.sleep(FILL_SECONDS)
        # Each worker counts for itself while Redis is away: enough posts for all of them.
        for _ in range(RATE_LIMIT_POSTS * 4 + 4):
            limited.append(browser.send(booking).status)

    with concurrent.futures.ThreadPoolExecutor(max_workers=clients + 2) as pool:
        running = [pool.submit(visitor, n) for n in range(clients)] + [pool.submit(reader)]
        # Load under way (every page read once, a booking sent), however slow the start.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (len(pages) < len(PUBLIC_PATHS) or not bookings):
            time.sleep(0.2)
        time.sleep(before_seconds)
        redis.stop()
        phases["phase"] = "during"
        started = time.monotonic()
        limit_run = pool.submit(over_the_limit)
        time.sleep(max(0.0, outage_seconds - (time.monotonic() - started)))
        redis.start()
        phases["phase"] = "after"
        limit_run.result()
        time.sleep(after_seconds)
        ending.set()
        for future in running:
            future.result()
    return {"bookings": bookings, "pages": pages, "limited": limited}


def redis_outage_report(database: Database, run: dict, prefix: str) -> dict:
    rows = booking_rows(database, prefix)
    report: dict = {"rate_limit_statuses_during": run["limited"]}
    for phase in ("before", "during", "after"):
        posts = [b for p, b in run["bookings"] if p == phase]
        gets = [a for p, a in run["pages"] if p == phase]
        answers = [b.first for b in posts] + gets
        statuses: dict[str, int] = {}
        for answer in answers:
            key = str(answer.status or "no answer")
            statuses[key] = statuses.get(key, 0) + 1
        report[phase] = {
            "posts": len(posts),
            "gets": len(gets),
            "statuses": statuses,
            "server_errors": sum(1 for a in answers if a.status is None or a.status >= 500),
            "accepted": sum(1 for b in posts if stored(b.first)),
            "accepted_but_missing": sum(
                1 for b in posts if stored(b.first) and b.email not in rows["counts"]
            ),
            "page_cache": sorted({a.headers.get("X-Page-Cache", "") for a in gets}),
        }
    every = [b for _, b in run["bookings"]]
    report["posts"] = len(every)
    report["rows"] = sum(rows["counts"].values())
    report["duplicates"] = sum(n - 1 for n in rows["counts"].values())
    report["incomplete"] = rows["incomplete"]
    report["lost"] = sum(1 for b in every if stored(b.first) and b.email not in rows["counts"])
    return report


@contextlib.contextmanager
def email_worker(env: dict, mail: "MailServer", log_path: Path):
    """The real worker, ``send_pending_notifications --loop``, sending to ``mail``."""
    with log_path.open("a") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "send_pending_notifications", "--loop", "--interval=1"],
            cwd=REPO_ROOT,
            env={
                **env,
                "DJANGO_EMAIL_HOST": "127.0.0.1",
                "DJANGO_EMAIL_PORT": str(mail.port),
                "DJANGO_EMAIL_USE_TLS": "0",
                "DJANGO_EMAIL_TIMEOUT": "5",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def wait_for_emails(database: Database, timeout: float = 120) -> dict:
    """Until no email is waiting (or ``timeout``): the count of each status."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = dict(
            database.query("SELECT status, COUNT(*) FROM bookings_notification GROUP BY status")
        )
        if not statuses.get("pending") and not statuses.get("sending"):
            return statuses
        if time.monotonic() > deadline:
            return statuses
        time.sleep(1)


def redis_outage_in_site(
    workdir: Path, vendor: str, postgres: str, mail, clients: int, outage_seconds: float
) -> dict:
    """The site under gunicorn with its cache on a private Redis, which is stopped for
    ``outage_seconds`` while ``clients`` visitors book and read pages, then started again; the
    email worker runs all along. The report of ``redis_outage_report``, with the emails' end
    states, whether the worker outlived it, and what the page cache said once Redis was back."""
    with private_redis() as redis_server:
        with prepared_site(workdir, vendor, postgres, redis_server.url) as (env, database):
            env["REDIS_URL"] = redis_server.url
            with (
                serve(env, workdir) as server,
                email_worker(env, mail, workdir / "worker.log") as worker,
            ):
                run = redis_outage(server, redis_server, clients, outage_seconds, "r-")
                emails = wait_for_emails(database, timeout=300)
                worker_alive = worker.poll() is None
                home_again = Visitor(server.base_url, "10.254.0.3").get("/")
            report = redis_outage_report(database, run, "r-")
    report.update(
        emails=emails,
        worker_alive=worker_alive,
        page_cache_once_back=home_again.headers.get("X-Page-Cache"),
    )
    return report
