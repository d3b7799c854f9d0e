"""Starting and driving real server processes (Daphne serving chatserver.asgi): used by the integration
tests and by bench/."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
from websockets.asyncio.client import connect as ws_connect

REPO = Path(__file__).resolve().parents[2]
# As in production (docs/operations.md): no access log, and let a reconnect storm queue instead of dropping
# handshakes at 5 s.
DAPHNE_ARGS = ["--verbosity", "0", "--websocket_connect_timeout", "20"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="chatserver.settings",
        SECRET_KEY="integration-tests-only-7Yc_Wn2Qk5Rb8Mx1Pz4Ld9Gs6Hv3Jt0Fe",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback, no TLS proxy in front.
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    env.update(overrides)
    return env


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def make_sessions(env: dict, prefix: str, count: int, role: str = "student") -> list[str]:
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "integration" / "make_sessions.py"), prefix, str(count), role],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@dataclass
class Server:
    port: int
    env: dict
    log_path: Path
    process: subprocess.Popen | None = None
    extra_args: list[str] = field(default_factory=list)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                *DAPHNE_ARGS,
                *self.extra_args,
                "chatserver.asgi:application",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log()}")
            try:
                httpx.get(f"{self.http}/healthz", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"server did not answer within {timeout}s:\n{self.log()}")

    def stop(self, grace: float = 3) -> None:
        """Stop the server: SIGTERM, then SIGKILL after ``grace`` seconds (Daphne waits for open sockets to close,
        and a browser still connected would hold every test's teardown for its full shutdown timeout)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def headers(self, session_key: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={session_key}", "Origin": self.http}


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` on the same server."""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def create_postgres_database(admin_url: str, name: str) -> str:
    """Create an empty database; return its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin_url, name)


def drop_postgres_database(admin_url: str, url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def open_room(server: Server, session_key: str, slug: str, after_seq: int | None = None):
    """Connect to a room; return (websocket, room.joined frame)."""
    query = "" if after_seq is None else f"?after_seq={after_seq}"
    socket_ = await ws_connect(
        f"{server.ws}/ws/rooms/{slug}/{query}",
        additional_headers=server.headers(session_key),
        open_timeout=30,
        max_size=2**22,
        # Unbounded: a test socket that is not reading must not stall its own close handshake.
        max_queue=None,
        close_timeout=2,
    )
    joined = json.loads(await socket_.recv())
    assert joined["type"] == "room.joined", joined
    return socket_, joined


async def close_all(sockets) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


async def next_frame(socket_, frame_type: str, timeout: float = 10):
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket_.recv())
            if frame["type"] == frame_type:
                return frame


async def wait_presence(socket_, online: int, timeout: float = 10):
    """Wait for a presence push saying ``online`` (pushes are throttled and coalesce)."""
    async with asyncio.timeout(timeout):
        while (await next_frame(socket_, "presence", timeout))["online"] != online:
            pass


def login_over_http(server: Server, username: str, password: str) -> str:
    """Log in through the real login form (CSRF and all); return the session key."""
    with httpx.Client(base_url=server.http, follow_redirects=False) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{server.http}/accounts/login/"},
        )
        assert response.status_code == 302, response.text[:500]
        return client.cookies["sessionid"]
