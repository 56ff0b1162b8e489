"""The table of production commands (docs/operations.md) is complete, and each command in it
is real."""

import re
import shlex

import pytest
from django.core.management import get_commands, load_command_class

from .servers import REPO_ROOT


def production_commands() -> list[str]:
    page = (REPO_ROOT / "docs" / "operations.md").read_text()
    table = page.split("In production, run these beside gunicorn", 1)[1].split("\n\n")[1]
    return re.findall(r"`manage\.py ([^`]+)`", table)


def test_the_production_table_names_every_job_a_deployer_must_run():
    names = {shlex.split(command)[0] for command in production_commands()}
    assert names == {
        "send_pending_notifications",
        "publish_scheduled",
        "purge_booking_requests",
        "clearsessions",
        "backup",
        "restore",
        "strip_image_metadata",
        "axes_reset_username",
        "email_guides_due_review",
        "count_front_cache_views",
        "set_public_address",
        "read_busy_calendar",
        "free_times",
    }


@pytest.mark.parametrize("command", production_commands())
def test_each_production_command_exists_and_takes_its_documented_arguments(command):
    name, *arguments = shlex.split(command)
    app = get_commands()[name]
    parser = load_command_class(app, name).create_parser("manage.py", name)
    parser.parse_args(arguments)  # a wrong argument raises CommandError
