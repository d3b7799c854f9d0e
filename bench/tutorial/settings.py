"""The Channels tutorial chat (docs.channels "Tutorial", parts 1-3), as a baseline for bench/fanout.py.

It does what the tutorial does and nothing more: no authentication, no database write, no moderation.
The channel layer is the tutorial's in-memory layer, or, with REDIS_URL, channels-redis with exactly our
production settings (chatserver/settings.py: the same pool options, capacity and expiry), so a comparison
measures our code, not different layer settings.
"""

import os

SECRET_KEY = "bench-tutorial-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
]
# AuthMiddlewareStack reads the session; clients send no cookie, so this database is never opened.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "bench.tutorial.urls"
ASGI_APPLICATION = "bench.tutorial.asgi.application"
USE_TZ = True

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # Our production pool options (chatserver/settings.py REDIS_POOL_OPTIONS).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": 2000,
                        "socket_timeout": 30,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                    }
                ],
                "prefix": f"{os.environ.get('REDIS_KEY_PREFIX', 'tutorial')}:asgi",
                "capacity": 1000,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}}
