"""Page views of the pages nginx answered from its front cache (deploy/nginx/).

Those answers never reach the app, so ``PageViewMiddleware`` cannot count them. nginx
writes one line for each of them to a log of its own (``practice_page_hits`` in
deploy/nginx/practice/cache.conf), a JSON object holding the time, method, status, path,
user agent and content type, and no address. ``manage.py count_front_cache_views`` reads
what is new in that log each minute and counts each line with the middleware's rule
(``counting.counts_as_view``). An answer from nginx's cache was an anonymous GET (nginx
never serves a cached page to a session), so staff and previews cannot be among them.

How far the log has been read is kept in a small file: the byte offset after the last
whole line read, and a digest of the log's first line, which tells the same file from a
new one. A log rotated by renaming (Debian's logrotate for /var/log/nginx/*.log) is
finished from its ``.1`` before the new log is read from its start; a log truncated or
replaced otherwise is read from its start. A last line nginx has not finished writing is
left for the next run.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from . import counting

# Longer than any line nginx writes (its request headers fit in 32 KB by default); what
# tells one log from another is at most this much of its first line.
MAX_FIRST_LINE = 64 * 1024


@dataclass(frozen=True)
class LogPosition:
    """How far a log has been read: the digest of its first line, and the byte after the
    last whole line read. ``first_line`` is None while the log has no whole line."""

    first_line: str | None
    offset: int


@dataclass
class NewViews:
    """What one reading of the log found."""

    views: Counter  # by (path, day)
    position: LogPosition
    lines: int = 0
    unreadable: int = 0


class PositionFileInUse(Exception):
    """Another run is reading the same log."""


def load_position(position_file: Path) -> LogPosition | None:
    """The position saved last time, None before the first run; ValueError if the file is
    not one this module wrote."""
    try:
        saved = json.loads(position_file.read_text())
    except FileNotFoundError:
        return None
    try:
        return LogPosition(first_line=saved["first_line"], offset=int(saved["offset"]))
    except (KeyError, TypeError) as error:
        raise ValueError(f"{position_file} is not a saved position") from error


def save_position(position_file: Path, position: LogPosition) -> None:
    """Replace the saved position at once: a run stopped half-way leaves the old one."""
    temporary = position_file.with_name(position_file.name + ".new")
    temporary.write_text(json.dumps({"first_line": position.first_line, "offset": position.offset}))
    os.replace(temporary, position_file)


@contextlib.contextmanager
def only_reader(position_file: Path):
    """Hold the lock beside the position file for the whole run; raises
    ``PositionFileInUse`` if another run holds it."""
    lock_path = position_file.with_name(position_file.name + ".lock")
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise PositionFileInUse(str(lock_path)) from error
        yield


def _first_line(log) -> str | None:
    log.seek(0)
    first = log.readline(MAX_FIRST_LINE)
    if first.endswith(b"\n") or len(first) == MAX_FIRST_LINE:
        return hashlib.sha256(first).hexdigest()
    return None


def _whole_lines(log, start: int):
    """Each whole line from byte ``start``, with the offset just after it."""
    log.seek(start)
    offset = start
    for line in log:
        if not line.endswith(b"\n"):
            return  # nginx is still writing it
        offset += len(line)
        yield line, offset


def _view(line: bytes) -> tuple[str, datetime.date] | None:
    """The (path, day) a log line counts for, or None if it is not a view; ValueError if
    it is not a line of this log."""
    try:
        entry = json.loads(line.decode("utf-8", "replace"))
        moment = datetime.datetime.fromisoformat(entry["time"])
        status = int(entry["status"])
        method, path = entry["method"], entry["path"]
        user_agent, content_type = entry["agent"], entry["type"]
    except (KeyError, TypeError) as error:
        raise ValueError(str(error)) from error
    if not all(isinstance(text, str) for text in (method, path, user_agent, content_type)):
        raise ValueError("a field that is not text")
    if moment.tzinfo is None:
        raise ValueError("a time without its offset")
    if not counting.counts_as_view(method, status, content_type, path, user_agent):
        return None
    return path, timezone.localtime(moment).date()


def rotated_name(log_path: Path) -> Path:
    """Where logrotate puts the log it replaces (``delaycompress`` keeps it plain)."""
    return log_path.with_name(log_path.name + ".1")


def _count_lines(log, start: int, found: NewViews) -> int:
    """Count the whole lines from byte ``start`` into ``found``; the offset after the last."""
    offset = start
    for line, offset in _whole_lines(log, start):  # noqa: B007 (the last offset is returned)
        found.lines += 1
        try:
            view = _view(line)
        except ValueError:
            found.unreadable += 1
            continue
        if view is not None:
            found.views[view] += 1
    return offset


def _finish_rotated(log_path: Path, position: LogPosition, found: NewViews) -> None:
    """Count the rest of the log read last time, if logrotate left it beside the new one."""
    try:
        old = rotated_name(log_path).open("rb")
    except FileNotFoundError:
        return
    with old:
        if _first_line(old) == position.first_line:
            _count_lines(old, position.offset, found)


def read_new_views(log_path: Path, position: LogPosition | None) -> NewViews:
    """The views in the lines of ``log_path`` written since ``position``, and the new position."""
    found = NewViews(views=Counter(), position=LogPosition(first_line=None, offset=0))
    try:
        log = log_path.open("rb")
    except FileNotFoundError:
        log = None
    try:
        current = _first_line(log) if log else None
        start = 0
        if position is not None and position.first_line is not None:
            if position.first_line == current:
                start = position.offset
            else:
                _finish_rotated(log_path, position, found)
        if log is not None:
            if start > os.fstat(log.fileno()).st_size:
                start = 0  # cut short in place, though it begins as before
            found.position = LogPosition(first_line=current, offset=_count_lines(log, start, found))
    finally:
        if log is not None:
            log.close()
    return found
