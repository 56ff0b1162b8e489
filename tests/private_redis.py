"""A Redis server of the test's own on a free loopback port, to stop and start at will.

The shared Redis on 6379 serves every session on the machine: a test that needs Redis to
go away stops this one instead. ``stop()`` shuts it down (the port refuses connections);
``start()`` brings it back on the same port, with the data it saved on the way down when
``keep_data`` is set (as a Redis with persistence comes back), empty otherwise.
"""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .quality.chromium import in_ci
from .servers import free_port
from .tool_markers import expect_marker, tools_hidden

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class PrivateRedis:
    def __init__(self, directory: Path, keep_data: bool = False):
        self.port = free_port()
        self.directory = directory
        self.keep_data = keep_data
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock,
        ):
            sock.sendall(b"SHUTDOWN SAVE\r\n" if self.keep_data else b"SHUTDOWN NOSAVE\r\n")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextlib.contextmanager
def private_redis(keep_data: bool = False):
    """A running PrivateRedis, stopped at the end; skips (fails under CI) without redis-server."""
    expect_marker("redis")
    if tools_hidden() or not Path(REDIS_SERVER).exists():
        message = "redis-server is not installed (or tools are hidden)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory(prefix="private-redis-") as directory:
        server = PrivateRedis(Path(directory), keep_data)
        server.start()
        try:
            yield server
        finally:
            server.stop()
