"""Reaching the real PostgreSQL and Redis the tests need.

Locally, a test that needs a service that is not running skips with the reason. With CI=true it fails:
CI machines have both services, so a skip there would hide a broken set-up.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(url: str, timeout: float = 1.0) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, url: str) -> None:
    """Skip (locally) or fail (CI=true) unless the service at ``url`` accepts connections."""
    if reachable(url):
        return
    message = f"{name} is not reachable at {urlparse(url).netloc} (set TEST_{name.upper()}_URL to point elsewhere)"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


def require_postgres() -> str:
    require("postgres", POSTGRES_URL)
    return POSTGRES_URL


def require_redis() -> str:
    require("redis", REDIS_URL)
    return REDIS_URL
