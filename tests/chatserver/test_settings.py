"""Start-up refuses unsafe production settings, naming the variable to fix."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from chatserver.settings import env_bool, env_float, env_int

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


# The production environment of docs/operations.md (DATABASE_URL and REDIS_URL are left out: the deploy check
# does not connect, and the embedded defaults stand in for them).
PRODUCTION_ENV = {
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "chat.example.edu",
    "CSRF_TRUSTED_ORIGINS": "https://chat.example.edu",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "chatserver.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=clean, cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_passes_with_the_documented_production_environment():
    documented = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert all(f"{name}=" in documented for name in PRODUCTION_ENV), "this is the environment the docs give"
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def settings_under(**env: str) -> dict:
    show = (
        "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name) for name in "
        "['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SECURE_PROXY_SSL_HEADER', 'SECURE_REDIRECT_EXEMPT']}))"
    )
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "chatserver.settings", **env}
    result = subprocess.run([sys.executable, "-c", show], env=clean, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_settings_are_on_in_production_off_in_development_and_configurable():
    production = settings_under(**PRODUCTION_ENV)
    assert production["SECURE_SSL_REDIRECT"] is True and production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_HSTS_PRELOAD"] is False, "preloading is an operator's deliberate choice"
    assert any(re.search(pattern, "healthz") for pattern in production["SECURE_REDIRECT_EXEMPT"]), (
        "the load balancer's plain-HTTP health check is answered, not redirected"
    )
    development = settings_under(SECRET_KEY="short", DEBUG="true")
    assert development["SECURE_SSL_REDIRECT"] is False and development["SECURE_HSTS_SECONDS"] == 0
    assert development["SECURE_PROXY_SSL_HEADER"] is None
    chosen = settings_under(
        **PRODUCTION_ENV,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
        SECURE_PROXY_SSL_HEADER="X-Scheme",
    )
    assert chosen["SECURE_HSTS_SECONDS"] == 600 and chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert chosen["SECURE_HSTS_PRELOAD"] is True
    assert chosen["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "https"]


# --- Typed variables: a value that cannot be read stops start-up, naming the variable ------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_COOKIES", "ture"),  # a typo must not quietly turn Secure cookies off
        ("DEBUG", "maybe"),
        ("CHAT_MAX_MESSAGE_CHARS", "4k"),
        ("CHAT_FRAME_RATE_PER_SECOND", "fast"),
    ],
)
def test_an_unreadable_typed_setting_stops_start_up_naming_the_variable(name, value):
    result = start(**{**PRODUCTION_ENV, name: value})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert f"{name} must be" in result.stderr and repr(value) in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        (" YES ", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("0", False),
        ("", None),
    ],
)
def test_env_bool_reads_the_usual_words_and_empty_means_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("MEDPEER_TEST_FLAG", value)
    assert env_bool("MEDPEER_TEST_FLAG", True) is (True if expected is None else expected)
    assert env_bool("MEDPEER_TEST_FLAG", False) is (False if expected is None else expected)


@pytest.mark.parametrize("value", ["ture", "y", "2", "enabled", "false!"])
def test_env_bool_refuses_any_other_word(monkeypatch, value):
    monkeypatch.setenv("MEDPEER_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=f"MEDPEER_TEST_FLAG must be .*{re.escape(repr(value))}"):
        env_bool("MEDPEER_TEST_FLAG", True)


def test_env_int_and_env_float_name_the_variable(monkeypatch):
    monkeypatch.delenv("MEDPEER_TEST_NUMBER", raising=False)
    assert env_int("MEDPEER_TEST_NUMBER", 7) == 7 and env_float("MEDPEER_TEST_NUMBER", 0.5) == 0.5
    monkeypatch.setenv("MEDPEER_TEST_NUMBER", "42")
    assert env_int("MEDPEER_TEST_NUMBER", 7) == 42 and env_float("MEDPEER_TEST_NUMBER", 0.5) == 42.0
    monkeypatch.setenv("MEDPEER_TEST_NUMBER", "0.25")
    assert env_float("MEDPEER_TEST_NUMBER", 0.5) == 0.25
    with pytest.raises(
        ImproperlyConfigured, match=re.escape("MEDPEER_TEST_NUMBER must be a whole number, not '0.25'")
    ):
        env_int("MEDPEER_TEST_NUMBER", 7)
    for bad in ("fast", "nan", "inf", "1,5"):
        monkeypatch.setenv("MEDPEER_TEST_NUMBER", bad)
        with pytest.raises(ImproperlyConfigured, match=f"MEDPEER_TEST_NUMBER must be a number .*'{bad}'"):
            env_float("MEDPEER_TEST_NUMBER", 0.5)
