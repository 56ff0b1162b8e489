"""A guide scheduled in the admin goes live once its time has come and the scheduler has run.

Production runs `manage.py publish_scheduled` every minute from cron; `make run` runs
`manage.py run_scheduler` beside runserver. Both are run here for real.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Revision

from blog.models import BlogIndexPage, BlogPage

from .servers import REPO_ROOT, database_url_for_other_processes, free_port, gunicorn

TITLE = "Gentle stretches for the morning"
URL = f"/blog/{slugify(TITLE)}/"


def schedule_guide(seconds_ahead: float) -> datetime.datetime:
    """Published from the admin with a go-live time a few seconds ahead: scheduled, not live."""
    go_live_at = timezone.now() + datetime.timedelta(seconds=seconds_ahead)
    guide = BlogPage(
        title=TITLE, slug=slugify(TITLE), date="2026-11-02", intro="Five minutes.", body=[]
    )
    guide.live = False
    guide.go_live_at = go_live_at
    BlogIndexPage.objects.get().add_child(instance=guide)
    guide.save_revision().publish()
    guide.refresh_from_db()
    assert not guide.live
    assert Revision.objects.get(object_id=str(guide.pk)).approved_go_live_at == go_live_at
    return go_live_at


def wait_until(moment: datetime.datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.1)


@pytest.mark.django_db
def test_publish_scheduled_puts_a_guide_live_once_its_time_has_passed(client, demo_site, settings):
    settings.PAGE_CACHE_ENABLED = True  # and empty: tests/conftest.py empties it
    go_live_at = schedule_guide(seconds_ahead=3)
    wait_until(go_live_at)
    # The time has come, but nothing has run yet.
    assert client.get(URL).status_code == 404
    client.get("/blog/")
    assert client.get("/blog/")["X-Page-Cache"] == "hit"
    assert TITLE not in client.get("/blog/").content.decode()

    call_command("publish_scheduled")

    assert client.get(URL).status_code == 200
    assert TITLE in client.get("/blog/").content.decode()


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def page_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def site_env(tmp_path, settings) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings.test",
        "DATABASE_URL": database_url_for_other_processes(tmp_path),
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "PAGE_CACHE_ENABLED": "1",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


def run_scheduler(env, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_puts_a_due_guide_live_on_the_running_site_and_stops_on_sigterm(
    demo_site, tmp_path, settings
):
    go_live_at = schedule_guide(seconds_ahead=3)
    env = site_env(tmp_path, settings)
    with gunicorn(env, free_port(), tmp_path / "gunicorn.log") as base_url:
        wait_until(go_live_at)
        assert status(base_url + URL) == 404
        page_text(base_url + "/")  # the home page, without the guide, is now cached

        scheduler = run_scheduler(env, "--interval", "1")
        try:
            deadline = time.monotonic() + 60
            while status(base_url + URL) != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert status(base_url + URL) == 200
            assert TITLE in page_text(base_url + "/")
        finally:
            scheduler.send_signal(signal.SIGTERM)
            output, _ = scheduler.communicate(timeout=30)
    assert scheduler.returncode == 0, output
    assert "published 1, unpublished 0." in output
    assert output.rstrip().endswith("Scheduled publishing stopped.")


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_with_a_number_of_runs_stops_by_itself(demo_site, tmp_path, settings):
    scheduler = run_scheduler(site_env(tmp_path, settings), "--runs", "2", "--interval", "0.1")
    output, _ = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, output
    assert output.splitlines() == [
        "Scheduled publishing: checking every 0.1 s.",
        "Scheduled publishing stopped.",
    ]
