"""Settings for the in-process test suite: the real settings, with test-only defaults filled in.

DATABASE_URL and REDIS_URL pass through, so `make test` runs this suite a second time against
PostgreSQL and Redis.
"""

import os

# Long enough for the production settings' check (50+ characters); used by the tests only.
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-9Qv_Lr8mWp4Zx7Nc1Bd6Hf3Js0Ky5Tg8")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("REDIS_KEY_PREFIX", f"medpeer-test-{os.getpid()}")
# The test client speaks plain HTTP, as a server behind no proxy would be spoken to.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from chatserver.settings import *  # noqa: F403

# Hashing passwords at full strength would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pushed at once, so presence tests do not wait for the throttle.
CHAT_PRESENCE_THROTTLE_SECONDS = 0.0
# Rules are read fresh on every message, so a test that edits a rule sees the effect at once.
CHAT_RULES_REFRESH_SECONDS = 0.0
# Persistent connections would outlive tests in Channels' database thread and block dropping the
# PostgreSQL test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so two test runs on one machine never share (and flush) a database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}  # noqa: F405
# django-axes (log-in throttling) stays enabled, as in production: tests/chatserver/test_login_throttle.py
# relies on it. Tests log in with force_login, or pass request= to client.login (axes needs the request).
# The second look (moderation.second_look_runner) embeds every message the worker reads: off for the suite,
# so worker tests elsewhere see only what they set up; tests/moderation/test_second_look*.py turn it on.
CRISIS_SECOND_LOOK = False
