"""Fixtures for tests against real server processes: daphne serving chatserver.asgi on PostgreSQL and Redis
(or SQLite). They exercise what in-process tests cannot: several processes sharing rooms over Redis, real
sockets, real connection pools, real timeouts.
"""

import atexit
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from tests import services as test_services
from tests.integration.harness import (
    Server,
    base_env,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    manage,
    with_database,
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


# Migrating takes two Django start-ups (about 10 s); each test gets a copy of a database migrated and seeded once
# per test run instead (CREATE DATABASE ... TEMPLATE on PostgreSQL, a file copy on SQLite). Module-level, not
# session fixtures, so that tests/frontend (which imports sqlite_env) needs nothing more.
_templates: dict[str, str] = {}


def _migrate_and_seed(env: dict) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")


def _postgres_template(admin_url: str) -> str:
    if "postgres" not in _templates:
        url = create_postgres_database(admin_url, f"medpeer_it_template_{uuid.uuid4().hex[:12]}")
        atexit.register(drop_postgres_database, admin_url, url)
        _migrate_and_seed(base_env(DATABASE_URL=url))
        _templates["postgres"] = url.rsplit("/", 1)[1]
    return _templates["postgres"]


def sqlite_template() -> Path:
    if "sqlite" not in _templates:
        directory = tempfile.mkdtemp(prefix="medpeer-it-template-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _migrate_and_seed(base_env(DATABASE_URL=f"sqlite:///{directory}/db.sqlite3"))
        _templates["sqlite"] = directory
    return Path(_templates["sqlite"])


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, migrated and with the rooms seeded; dropped afterwards."""
    admin_url = test_services.require_postgres()
    template = _postgres_template(admin_url)
    name = f"medpeer_it_{uuid.uuid4().hex[:12]}"
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = with_database(admin_url, name)
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
    return base_env(DATABASE_URL=postgres_url, REDIS_URL=url, REDIS_KEY_PREFIX=prefix)


@pytest.fixture
def sqlite_env(tmp_path):
    """The embedded default: a SQLite file of this test's own, migrated and with the rooms seeded."""
    for path in sqlite_template().iterdir():  # the database, and its WAL if one was left
        shutil.copy(path, tmp_path / path.name)
    return base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")


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
