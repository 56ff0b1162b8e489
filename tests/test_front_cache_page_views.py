"""Pages nginx answers from its front cache never reach the app; they are counted from
nginx's log of those answers (page_views/front_cache_log.py), once each, with the app's rule,
and nothing about the visitor is kept."""

import io
import json
import os
import re
import signal
import sqlite3
import time
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from page_views.front_cache_log import only_reader
from page_views.models import PageViewDay

from .front_proxy import DEPLOY_NGINX, nginx, require_nginx, write_loopback_config
from .servers import free_port, gunicorn, manage, prepare_site, production_env

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GUIDE = "/blog/massage-for-sciatica-relief/"
# The site's days are London's: 23:30 UTC on 1 July is 00:30 on 2 July there.
SUMMER_NIGHT = "2026-07-01T23:30:00+00:00"


def hit(
    path=GUIDE,
    agent=BROWSER,
    method="GET",
    status="200",
    content_type="text/html; charset=utf-8",
    moment="2026-03-02T10:15:00+00:00",
) -> str:
    """One line as nginx's practice_page_hits format writes it (deploy/nginx/practice/cache.conf)."""
    entry = {
        "time": moment,
        "method": method,
        "status": status,
        "path": path,
        "agent": agent,
        "type": content_type,
    }
    return json.dumps(entry, separators=(",", ":")) + "\n"


def views(path=GUIDE) -> dict:
    return {row.day.isoformat(): row.views for row in PageViewDay.objects.filter(path=path)}


@pytest.fixture
def hits_log(tmp_path) -> Path:
    return tmp_path / "practice-page-hits.log"


@pytest.fixture
def count(hits_log, tmp_path):
    """`manage.py count_front_cache_views` on the test's log; returns what it printed."""
    position_file = tmp_path / "position"

    def run():
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "count_front_cache_views",
            str(hits_log),
            "--position-file",
            str(position_file),
            stdout=out,
            stderr=err,
        )
        return out.getvalue() + err.getvalue()

    run.position_file = position_file
    return run


def append(log: Path, text: str) -> None:
    with log.open("a") as file:
        file.write(text)


# -- reading the log -----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_line_is_a_view_of_its_path_on_its_own_day_in_the_sites_time_zone(hits_log, count):
    hits_log.write_text(
        hit() + hit() + hit(path="/services/") + hit(moment=SUMMER_NIGHT) + hit(path="/")
    )
    assert "5 views counted from 5 new lines" in count()
    assert views() == {"2026-03-02": 2, "2026-07-02": 1}
    assert views("/services/") == {"2026-03-02": 1}
    assert views("/") == {"2026-03-02": 1}


@pytest.mark.django_db
def test_a_run_counts_only_the_lines_written_since_the_last(hits_log, count):
    hits_log.write_text(hit() + hit())
    count()
    assert "0 views counted from 0 new lines" in count()
    append(hits_log, hit() + hit(path="/services/"))
    count()
    assert views() == {"2026-03-02": 3}
    assert views("/services/") == {"2026-03-02": 1}


@pytest.mark.django_db
def test_a_line_nginx_is_still_writing_waits_for_the_next_run(hits_log, count):
    whole, half = hit(), hit(path="/services/")
    hits_log.write_text(whole + half[:40])
    assert "1 views counted from 1 new lines" in count()
    assert views("/services/") == {}
    append(hits_log, half[40:])
    assert "1 views counted from 1 new lines" in count()
    assert views() == {"2026-03-02": 1}
    assert views("/services/") == {"2026-03-02": 1}


@pytest.mark.django_db
def test_a_log_rotated_by_renaming_is_finished_before_the_new_one_is_read(hits_log, count):
    hits_log.write_text(hit() + hit())
    count()
    # Written after that run, then renamed by logrotate, and nginx opens a new log.
    append(hits_log, hit(path="/services/"))
    hits_log.rename(hits_log.with_name(hits_log.name + ".1"))
    hits_log.write_text(hit(path="/") + hit(moment="2026-03-03T09:00:00+00:00"))
    assert "3 views counted from 3 new lines" in count()
    assert views() == {"2026-03-02": 2, "2026-03-03": 1}
    assert views("/services/") == {"2026-03-02": 1}
    assert views("/") == {"2026-03-02": 1}
    # The old log is done with: the next rotation's .1 is the log read now.
    append(hits_log, hit(path="/"))
    count()
    assert views("/") == {"2026-03-02": 2}


@pytest.mark.django_db
def test_a_log_copied_and_truncated_in_place_is_read_again_from_its_start(hits_log, count):
    hits_log.write_text(hit() + hit())
    count()
    append(hits_log, hit(path="/services/"))
    # logrotate's copytruncate: a copy keeps the lines, the log starts again empty, and
    # nginx writes on past where it was: more bytes than were read, none of them read yet.
    hits_log.with_name(hits_log.name + ".1").write_bytes(hits_log.read_bytes())
    hits_log.write_text("")
    append(hits_log, hit(path="/", agent=BROWSER + " Extra/1") * 3)
    count()
    assert views() == {"2026-03-02": 2}
    assert views("/services/") == {"2026-03-02": 1}
    assert views("/") == {"2026-03-02": 3}


@pytest.mark.django_db
def test_a_log_emptied_without_a_copy_starts_again_at_its_first_byte(hits_log, count):
    hits_log.write_text(hit() * 4)
    count()
    hits_log.write_text(hit(path="/services/"))
    assert "1 views counted from 1 new lines" in count()
    assert views() == {"2026-03-02": 4}
    assert views("/services/") == {"2026-03-02": 1}


@pytest.mark.parametrize(
    "line",
    [
        hit(agent=GOOGLEBOT),
        hit(agent="curl/8.5.0"),
        hit(agent=""),
        hit(method="HEAD"),
        hit(status="206"),
        hit(status="304"),
        hit(content_type="application/xml"),
        hit(content_type="image/webp"),
        hit(content_type=""),
        hit(path="/admin/login/"),
        hit(path="/static/css/site.css"),
        hit(path="/blog/" + "a" * 300 + "/"),
    ],
    ids=lambda line: "-".join(
        f"{key}={str(value)[:20]}"
        for key, value in json.loads(line).items()
        if value != json.loads(hit())[key]
    ),
)
@pytest.mark.django_db
def test_robots_and_answers_that_are_not_pages_are_not_counted(hits_log, count, line):
    hits_log.write_text(line)
    assert "0 views counted from 1 new lines" in count()
    assert not PageViewDay.objects.exists()


@pytest.mark.django_db
def test_lines_of_another_format_are_skipped_and_reported(hits_log, count):
    hits_log.write_text(
        '127.0.0.1 - - [02/Mar/2026:10:15:00 +0000] "GET / HTTP/1.1" 200\n'
        + hit()
        + '{"time":"2026-03-02T10:15:00","method":"GET"}\n'
        + hit(moment="2026-03-02 10:15")
        + hit().replace(f'"{GUIDE}"', "5")
    )
    printed = count()
    assert "1 views counted from 5 new lines" in printed
    assert "4 lines were not lines of nginx's practice_page_hits format" in printed
    assert views() == {"2026-03-02": 1}


@pytest.mark.django_db
def test_nothing_about_the_visitor_is_kept(hits_log, count):
    hits_log.write_text(hit(agent=BROWSER + " Distinctive/9.9") * 2)
    count()
    assert views() == {"2026-03-02": 2}
    assert set(json.loads(count.position_file.read_text())) == {"first_line", "offset"}
    assert "Distinctive" not in count.position_file.read_text()
    assert GUIDE not in count.position_file.read_text()
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            assert "Distinctive" not in " ".join(str(value) for value in row), model


def test_nginx_logs_no_address_and_no_cookie():
    cache_conf = (DEPLOY_NGINX / "practice" / "cache.conf").read_text()
    log_format = re.search(r"log_format practice_page_hits (.*?);", cache_conf, re.S).group(1)
    fields = set(re.findall(r"\$(\w+)", log_format))
    assert fields == {
        "time_iso8601",
        "request_method",
        "status",
        "uri",
        "http_user_agent",
        "sent_http_content_type",
    }
    assert "escape=json" in log_format


@pytest.mark.django_db
def test_a_second_run_while_one_is_reading_is_refused(hits_log, count):
    hits_log.write_text(hit())
    with only_reader(count.position_file), pytest.raises(CommandError, match="Another run"):
        count()
    assert not PageViewDay.objects.exists()
    count()
    assert views() == {"2026-03-02": 1}


@pytest.mark.django_db
def test_a_missing_log_or_a_spoilt_position_stops_the_run_with_nothing_counted(hits_log, count):
    with pytest.raises(CommandError, match="does not exist"):
        count()
    hits_log.write_text(hit())
    count.position_file.write_text("half a posi")
    with pytest.raises(CommandError, match="not a position this command saved"):
        count()
    assert not PageViewDay.objects.exists()


# -- nginx in front of gunicorn --------------------------------------------------------------


def fetch(url: str, user_agent: str, method: str = "GET") -> str:
    """The X-Front-Cache state of a 200 answer."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent}, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        response.read()
        return response.headers["X-Front-Cache"]


def flushed_lines(nginx_prefix: Path, log: Path, expected: int, timeout: float = 15) -> list:
    """nginx writes its log in buffers; USR1 (logrotate's reopen) makes it write them now."""
    os.kill(int((nginx_prefix / "nginx.pid").read_text()), signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while True:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.nginx
def test_views_through_nginx_are_counted_once_each_whether_nginx_or_the_app_answered(
    tmp_path,
):
    require_nginx()
    app_port, proxy_port, purge_port = free_port(), free_port(), free_port()
    env = production_env(tmp_path, app_port)
    env.update(
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(tmp_path / "public" / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "public" / "media"),
        DJANGO_SERVE_MEDIA="0",
        DJANGO_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        WAGTAILADMIN_BASE_URL=f"http://127.0.0.1:{proxy_port}",
        PAGE_CACHE_ENABLED="1",
        FRONTEND_CACHE_PURGE_URL=f"http://127.0.0.1:{purge_port}",
    )
    prepare_site(env, port=proxy_port)
    prefix = tmp_path / "nginx"
    config = write_loopback_config(prefix, proxy_port, purge_port, app_port, tmp_path / "public")
    hits_log = prefix / "practice-page-hits.log"
    rotated = hits_log.with_name(hits_log.name + ".1")
    count_views = (
        "count_front_cache_views",
        str(hits_log),
        "--position-file",
        str(tmp_path / "at"),
    )

    states = []
    with gunicorn(env, app_port, tmp_path / "gunicorn.log"):
        with nginx(config, prefix, proxy_port) as base_url:
            states += [fetch(base_url + GUIDE, BROWSER) for _ in range(4)]
            states += [fetch(base_url + GUIDE + "?utm_source=leaflet", BROWSER) for _ in range(2)]
            robots = [fetch(base_url + GUIDE, GOOGLEBOT) for _ in range(3)]
            heads = [fetch(base_url + GUIDE, BROWSER, method="HEAD") for _ in range(2)]
            from_cache = (states + robots + heads).count("HIT")
            first_lines = flushed_lines(prefix, hits_log, from_cache)
            manage(env, *count_views)

            # More views, then logrotate renames the log and has nginx open a new one.
            states += [fetch(base_url + GUIDE, BROWSER) for _ in range(2)]
            hits_log.rename(rotated)
            rotated_lines = flushed_lines(prefix, rotated, from_cache + states[-2:].count("HIT"))
            states += [fetch(base_url + GUIDE, BROWSER) for _ in range(3)]
            new_lines = flushed_lines(prefix, hits_log, states[-3:].count("HIT"))
            # The timer's next run: the rest of the renamed log, then the new one.
            manage(env, *count_views)
    # gunicorn has stopped: its workers wrote the views they had counted on their way out.

    assert states[0] == states[4] == "MISS"  # the app rendered each address once
    assert states.count("HIT") >= 6 and robots == ["HIT"] * 3
    assert len(first_lines) == from_cache, "one line for each answer from nginx's cache"
    assert len(rotated_lines) == from_cache + 2 and len(new_lines) == 3
    everything = first_lines + rotated_lines + new_lines
    assert not any("127.0.0.1" in line or "utm_source" in line for line in everything)
    assert {json.loads(line)["path"] for line in everything} == {GUIDE}
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        (counted,) = database.execute(
            "SELECT SUM(views) FROM page_views_pageviewday WHERE path = ?", [GUIDE]
        ).fetchone()
    assert counted == len(states)  # each browser's GET once: no robot, no HEAD
