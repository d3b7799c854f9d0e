"""/healthz tells operators (and load balancers) when the database or the channel layer is down."""

import httpx
import pytest

from tests.integration.harness import base_env, free_port, manage

pytestmark = pytest.mark.integration


def test_healthz_ok_on_the_embedded_default(sqlite_env, start_server):
    server = start_server(sqlite_env)
    body = httpx.get(f"{server.http}/healthz").json()
    assert (
        body["status"] == "ok"
        and body["database_backend"] == "sqlite3"
        and body["channel_layer_backend"] == "in-memory"
    )


def test_healthz_503_when_redis_is_down(tmp_path, start_server):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    manage(env, "migrate", "--noinput")
    server = start_server(env)
    response = httpx.get(f"{server.http}/healthz", timeout=15)
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "down" and response.json()["database"] == "ok"


def test_healthz_503_when_the_database_is_down(start_server):
    env = base_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nothing_here")
    server = start_server(env)
    response = httpx.get(f"{server.http}/healthz", timeout=15)
    assert response.status_code == 503
    assert response.json()["database"] == "down" and response.json()["channel_layer"] == "ok"
