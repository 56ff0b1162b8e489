"""nginx from deploy/nginx/ on loopback, for the tests and the benchmark.

The files are the ones a server gets; only their machine paths and ports are replaced
(``render``). ``nginx_config`` wraps them in a main configuration of its own, the part
Debian's /etc/nginx/nginx.conf plays on a server.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

from .quality.chromium import in_ci
from .servers import REPO_ROOT
from .tool_markers import expect_marker

DEPLOY_NGINX = REPO_ROOT / "deploy" / "nginx"
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")


def require_nginx() -> None:
    """Skip without nginx (Debian's package); fail instead under CI, where .ci/run installs it."""
    expect_marker("nginx")
    missing = [str(path) for path in (Path(NGINX), MIME_TYPES) if not path.exists()]
    if not missing:
        return
    message = f"nginx is not installed here ({', '.join(missing)} missing)"
    if in_ci():
        pytest.fail(f"{message}. CI must install it (.ci/run).")
    pytest.skip(message)


def render(name: str, replacements: dict[str, str]) -> str:
    """deploy/nginx/<name> with each machine path or address replaced."""
    text = (DEPLOY_NGINX / name).read_text()
    for old, new in replacements.items():
        if old not in text:
            continue
        text = text.replace(old, new)
    return text


def main_config(workdir: Path, http_block: str) -> str:
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return (
        f"{user}"
        "worker_processes 1;\ndaemon off;\n"
        f"pid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"include {MIME_TYPES};\ndefault_type application/octet-stream;\n"
        f"access_log {workdir / 'access.log'};\n"
        "sendfile on;\ntcp_nopush on;\nkeepalive_requests 100000;\n"
        + "".join(
            f"{kind}_temp_path {workdir / ('temp-' + kind)};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + http_block
        + "\n}\n"
    )


def site_replacements(
    workdir: Path, app_ports: int | Sequence[int], public_root: Path
) -> dict[str, str]:
    """``app_ports``: one gunicorn's port, or several (the upstream gets a line for each)."""
    ports = [app_ports] if isinstance(app_ports, int) else list(app_ports)
    return {
        "/etc/nginx/practice/": f"{workdir / 'practice'}/",
        "/var/cache/nginx/": f"{workdir / 'cache'}/",
        "/var/log/nginx/": f"{workdir}/",
        "/srv/practice/public": str(public_root),
        "server 127.0.0.1:8000;": "\n    ".join(f"server 127.0.0.1:{port};" for port in ports),
    }


def write_loopback_config(
    workdir: Path,
    port: int,
    purge_port: int,
    app_ports: int | Sequence[int],
    public_root: Path,
) -> Path:
    """The cache and locations of deploy/ behind plain HTTP on 127.0.0.1:port, and the
    purge listener on purge_port, in front of the gunicorn(s) on ``app_ports``; returns the
    main configuration's path."""
    replacements = site_replacements(workdir, app_ports, public_root)
    (workdir / "practice").mkdir(parents=True, exist_ok=True)
    (workdir / "cache").mkdir(exist_ok=True)  # nginx makes only the last folder of a path
    for name in ("cache.conf", "locations.conf", "purge.conf"):
        (workdir / "practice" / name).write_text(render(f"practice/{name}", replacements))
    included = workdir / "practice"
    http_block = (
        f"include {included / 'cache.conf'};\n"
        f"server {{\nlisten 127.0.0.1:{port};\nserver_name _;\n"
        f"include {included / 'locations.conf'};\n}}\n"
        f"server {{\nlisten 127.0.0.1:{purge_port};\nserver_name _;\n"
        f"include {included / 'purge.conf'};\n}}\n"
    )
    config = workdir / "nginx.conf"
    config.write_text(main_config(workdir, http_block))
    return config


def check_config(config: Path, prefix: Path) -> subprocess.CompletedProcess:
    """``nginx -t`` on a configuration, with its own prefix."""
    return subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )


@contextlib.contextmanager
def nginx(config: Path, prefix: Path, port: int, timeout: float = 15):
    """nginx in the foreground with ``config``; yields http://127.0.0.1:port."""
    checked = check_config(config, prefix)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stdout}{checked.stderr}")
    server = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"nginx exited with {server.returncode}")
            try:
                urllib.request.urlopen(base_url + "/robots.txt", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
