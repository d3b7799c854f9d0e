"""Start-up refuses unsafe production settings, naming the variable to fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD_KEY = "tk2-9Qv_Lr8mWp4Zx7Nc1Bd6Hf3Js0Ky5Tg8Ue2Ao7Ri4Sl1Mn9Pq"  # 53 characters, only ever used in tests


def start(**env: str) -> subprocess.CompletedProcess:
    """Load the production settings in a fresh process with only ``env`` set, as every start-up does first."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "chatserver.settings", **env}
    load = "from django.conf import settings; settings.SECRET_KEY"
    return subprocess.run(
        [sys.executable, "-c", load], env=clean, cwd=REPO, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "key",
    [
        "short-but-secret",  # under 50 characters
        "dev-insecure-key-do-not-use-in-production",  # the development profile's key
        "django-insecure-" + GOOD_KEY,  # what startproject generates for development
        "ab" * 40,  # long, but two different characters
    ],
)
def test_a_weak_secret_key_stops_start_up_when_debug_is_off(key):
    result = start(SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "50 characters" in result.stderr


def test_a_strong_secret_key_starts_and_debug_allows_a_short_one():
    assert start(SECRET_KEY=GOOD_KEY).returncode == 0
    assert start(SECRET_KEY="short", DEBUG="true").returncode == 0, "development keeps its convenience"
    missing = start()
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr
