"""Fixtures for tests against real server processes: daphne serving chatserver.asgi on PostgreSQL and Redis
(or SQLite). They exercise what in-process tests cannot: several processes sharing rooms over Redis, real
sockets, real connection pools, real timeouts.
"""

import uuid

import pytest

from tests import services as test_services
from tests.integration.harness import (
    Server,
    base_env,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    manage,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(env: dict, **kwargs) -> Server:
        server = Server(port=free_port(), env=env, log_path=tmp_path / f"server-{len(servers)}.log", **kwargs)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def postgres_url():
    """A fresh, migrated PostgreSQL database for one test; dropped afterwards."""
    admin_url = test_services.require_postgres()
    url = create_postgres_database(admin_url, f"medpeer_it_{uuid.uuid4().hex[:12]}")
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, url)


@pytest.fixture
def redis_url():
    url = test_services.require_redis()
    prefix = f"medpeer-it-{uuid.uuid4().hex[:8]}"
    yield url, prefix
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def production_env(postgres_url, redis_url):
    """Environment of a production-like deployment: PostgreSQL and Redis, migrated, rooms seeded."""
    url, prefix = redis_url
    env = base_env(DATABASE_URL=postgres_url, REDIS_URL=url, REDIS_KEY_PREFIX=prefix)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    return env


@pytest.fixture
def sqlite_env(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    return env


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which the test may stop and restart (never the shared one)."""
    from tests.integration.own_services import OwnRedis

    redis_server = OwnRedis(tmp_path).start()
    yield redis_server
    redis_server.stop()


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own (initdb, pg_ctl), which the test may stop and start again."""
    from tests.integration.own_services import OwnPostgres

    cluster = OwnPostgres().init().start()
    yield cluster
    cluster.remove()
