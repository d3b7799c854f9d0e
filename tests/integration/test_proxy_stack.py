"""The production process set without containers: Debian's nginx with the shipped proxy rules, two Daphne processes,
the escalation worker, PostgreSQL and Redis. A browser-like client logs in through the proxy and chats with
someone served by the other process. Also: docker-compose.yml's web healthcheck works against a server whose
ALLOWED_HOSTS does not include 127.0.0.1."""

import asyncio
import json
import re
import shutil
import subprocess
import sys

import httpx
import pytest
import yaml
from websockets.asyncio.client import connect as ws_connect

from tests.integration.harness import REPO, manage, next_frame
from tests.integration.own_services import NGINX_DIR, OwnNginx

pytestmark = pytest.mark.integration

PASSWORD = "a long night shift passphrase"


@pytest.fixture
def worker(production_env):
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "run_moderation_worker"],
        env=dict(production_env, WORKER_INTERVAL_SECONDS="0.5"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    process.wait(timeout=10)
    assert process.returncode == 0, process.stderr.read().decode()[-2000:]


@pytest.fixture
def proxy(tmp_path):
    started = []

    def start(upstreams):
        nginx = OwnNginx(tmp_path / "nginx", upstreams).start()
        started.append(nginx)
        return nginx

    yield start
    for nginx in started:
        nginx.stop()


def browser_login(proxy, username: str) -> str:
    """Log in as a browser does, through the proxy: the form, its CSRF token, the Referer; return the session."""
    with httpx.Client(base_url=proxy.http, follow_redirects=False) as browser:
        page = browser.get("/accounts/login/")
        assert page.status_code == 200, page.text[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{proxy.http}/accounts/login/"},
        )
        assert answer.status_code == 302, answer.text[:500]
        assert browser.get(answer.headers["location"]).status_code == 200
        return browser.cookies["sessionid"]


async def open_room_via(proxy, session_key: str, slug: str):
    """Open a room socket through the proxy; return (socket, the port of the process serving it)."""
    socket_ = await ws_connect(
        f"{proxy.ws}/ws/rooms/{slug}/", additional_headers=proxy.headers(session_key), open_timeout=20
    )
    assert json.loads(await socket_.recv())["type"] == "room.joined"
    return socket_, int(socket_.response.headers["X-Upstream"].rsplit(":", 1)[1])


async def test_log_in_and_chat_through_the_proxy_across_two_processes(production_env, start_server, worker, proxy):
    env = production_env
    servers = [start_server(env, extra_args=["--proxy-headers"]) for _ in range(2)]
    nginx = proxy([server.port for server in servers])
    for username in ("rivera", "okafor"):
        manage(env, "createuser", username, "--role", "student", "--password-stdin", stdin=f"{PASSWORD}\n")

    async with httpx.AsyncClient(base_url=nginx.http) as client:
        health = await client.get("/healthz")
    assert health.status_code == 200 and health.json()["channel_layer_backend"] == "redis"
    rivera, okafor = browser_login(nginx, "rivera"), browser_login(nginx, "okafor")

    speaker, speaker_process = await open_room_via(nginx, rivera, "burnout")
    # Round robin: within a few connections the other student lands on the other process.
    listener, listener_process = await open_room_via(nginx, okafor, "burnout")
    tries = 1
    while listener_process == speaker_process and tries < 4:
        await listener.close()
        listener, listener_process = await open_room_via(nginx, okafor, "burnout")
        tries += 1
    assert {speaker_process, listener_process} == {server.port for server in servers}

    await speaker.send(json.dumps({"type": "message.send", "client_id": "p-1", "body": "anyone on nights?"}))
    assert (await next_frame(speaker, "message.ack"))["status"] == "delivered"
    assert (await next_frame(listener, "message"))["body"] == "anyone on nights?"
    assert (await next_frame(speaker, "message"))["body"] == "anyone on nights?", "its own, in room order"
    await listener.send(json.dumps({"type": "message.send", "client_id": "p-2", "body": "me, in the ED"}))
    assert (await next_frame(speaker, "message"))["body"] == "me, in the ED"
    await speaker.close()
    await listener.close()

    assert worker.poll() is None, "the worker runs beside them"

    # The proxy's log shows both processes served, and never a personal calendar URL (the URL is the secret).
    async with httpx.AsyncClient(base_url=nginx.http) as client, asyncio.timeout(10):
        await client.get("/calendar/u/not-a-real-secret-0123456789.ics")
        while "/healthz" not in (log := nginx.access_log()).split("/ws/rooms/")[-1]:
            await client.get("/healthz")  # logged after the sockets' lines once those are in
            await asyncio.sleep(0.2)
    assert all(f"127.0.0.1:{server.port}" in log for server in servers)
    assert "not-a-real-secret" not in log and "/ws/rooms/burnout/ 101" in log


def test_the_compose_web_healthcheck_works_when_127_0_0_1_is_not_an_allowed_host(sqlite_env, start_server):
    env = dict(sqlite_env, ALLOWED_HOSTS="chat.example.edu")
    server = start_server(env)
    assert httpx.get(f"{server.http}/healthz").status_code == 400, "Django refuses 127.0.0.1 as a host"

    [_, _, _, code] = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["web"]["healthcheck"][
        "test"
    ]
    assert ":8000/" in code
    check = subprocess.run(
        [sys.executable, "-c", code.replace(":8000/", f":{server.port}/")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr[-2000:]


def test_the_compose_proxy_config_is_valid_nginx(tmp_path):
    """deploy/nginx/nginx.conf as nginx itself reads it (`nginx -t`), with the container paths pointed here and a
    throwaway certificate: its TLS server and redirect are otherwise only read by Docker's nginx."""
    nginx = OwnNginx(tmp_path, upstreams=[])
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no throwaway certificate")
    certificate = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x", *certificate],
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = (
        (NGINX_DIR / "nginx.conf")
        .read_text()
        .replace("/etc/nginx/certs/", f"{tmp_path}/")
        .replace("/etc/nginx/", f"{NGINX_DIR}/")
        .replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
        .replace("server web:8000;", "server 127.0.0.1:8000;")
    )
    (tmp_path / "nginx.conf").write_text(config)
    check = subprocess.run(
        [nginx.binary, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stderr
