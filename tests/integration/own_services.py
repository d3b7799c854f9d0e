"""Service processes that a fault test owns and may stop: a redis-server and a PostgreSQL cluster of its own, on
ports of their own. The shared services on 6379 and 5432 are never stopped or restarted by any test.

Both skip locally when the binaries are missing and fail with CI=true (tests/services.py), like the fixtures
that need the shared services.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.integration.harness import free_port
from tests.services import IN_CI


def require_binary(name: str, path: str | None) -> str:
    if path:
        return path
    message = f"{name} is not installed"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


def wait_for_port(port: int, up: bool, timeout: float = 20) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections (``up``) or refuses them (not ``up``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                accepting = True
        except OSError:
            accepting = False
        if accepting == up:
            return
        time.sleep(0.05)
    raise AssertionError(f"port {port} still {'refuses' if up else 'accepts'} connections after {timeout}s")


class OwnRedis:
    """A redis-server that keeps nothing on disk: a restart loses everything, as a crashed Redis would."""

    def __init__(self, directory: Path):
        self.binary = require_binary("redis-server", shutil.which("redis-server"))
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, up=True)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for_port(self.port, up=False)


def postgres_bin_dir() -> str | None:
    """The newest PostgreSQL server binaries from Debian's packages (initdb, pg_ctl are not on PATH there)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return str(Path(candidates[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


class OwnPostgres:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) on a port of its own, with trust authentication.

    PostgreSQL refuses to run as root, and our CI runs as root: then the cluster runs as the unprivileged
    ``nobody`` account (its files in a directory that account owns). The socket directory is the data
    directory, so nothing is written to /var/run/postgresql.
    """

    def __init__(self):
        self.bin = Path(require_binary("PostgreSQL's initdb", postgres_bin_dir()))
        self.port = free_port()
        # Not pytest's tmp_path: its parents are root-only, and the cluster may run as another user.
        self.directory = Path(tempfile.mkdtemp(prefix="medpeer-pg-"))
        self.data = self.directory / "data"
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.directory, nobody.pw_uid, nobody.pw_gid)
            self.run_as = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=timeout, cwd=self.directory
        )
        assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"

    def init(self) -> OwnPostgres:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--no-instructions",
            "-E",
            "UTF8",
        )
        return self

    def start(self) -> OwnPostgres:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log_path), "-w", "start"
        )
        wait_for_port(self.port, up=True)
        return self

    def stop(self, mode: str = "immediate") -> None:
        """Stop the cluster; ``immediate`` drops every connection at once, as a crash or failover would."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        wait_for_port(self.port, up=False)

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


NGINX_DIR = Path(__file__).resolve().parents[2] / "deploy" / "nginx"


class OwnNginx:
    """Debian's nginx with the shipped proxy rules (deploy/nginx/medpeer-*.conf) in front of ``upstreams``.

    The top-level file is the test's (ports, temporary paths); what a request meets is the rules operators run.
    Each upgrade answer names the process that served it (X-Upstream), so a test can tell the processes apart.
    """

    def __init__(self, directory: Path, upstreams: list[int]):
        self.binary = require_binary("nginx", shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin"))
        self.directory = directory
        self.port = free_port()
        self.upstreams = upstreams
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        temp = self.directory / "temp"
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.upstreams)
        temp_paths = "\n".join(
            f"    {kind}_temp_path {temp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""
daemon off;
worker_processes 1;
error_log {self.directory / "error.log"} warn;
pid {self.directory / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
    include {NGINX_DIR / "medpeer-http.conf"};
    log_format upstreams '$request_uri $status $upstream_addr';
    access_log {self.directory / "access.log"} upstreams if=$medpeer_loggable;
{temp_paths}
    upstream medpeer_web {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        add_header X-Upstream $upstream_addr always;
        include {NGINX_DIR / "medpeer-locations.conf"};
    }}
}}
"""

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def headers(self, session_key: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={session_key}", "Origin": self.http}

    def start(self) -> OwnNginx:
        (self.directory / "temp").mkdir(parents=True, exist_ok=True)
        # Worker processes may run as another user than the test (nginx drops root): let them write temp files.
        for path in (self.directory, self.directory / "temp"):
            path.chmod(0o777)
        conf = self.directory / "nginx.conf"
        conf.write_text(self.config())
        check = subprocess.run([self.binary, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, up=True)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def access_log(self) -> str:
        path = self.directory / "access.log"
        return path.read_text() if path.exists() else ""
