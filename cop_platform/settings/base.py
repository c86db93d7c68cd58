"""Settings shared by every environment; each value can come from the environment.

With no environment at all the platform runs on SQLite, sends email to a folder
and runs Celery tasks eagerly. DATABASE_URL and REDIS_URL switch to PostgreSQL
and Redis (cache, Celery broker and result backend).
"""

import base64
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# The fallback key is for development only; production.py refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-4b1d0c7e-only-for-local-development")  # noqa: S105
DEBUG = env_bool("DEBUG", True)
# With DEBUG on, a missing page still shows the styled 404 (cop_platform.middleware);
# DEBUG_PAGES=true brings back Django's debug 404 with its list of URL patterns.
DEBUG_PAGES = env_bool("DEBUG_PAGES", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Practica")
# The right-hand side of every Message-ID we make (stable per email, so a resend is recognisable).
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", urlsplit(SITE_URL).hostname or "practica.localhost")
# Meetings: occurrences exist this many days ahead; a reminder claim older than the lease is retried.
MEETINGS_WINDOW_DAYS = env_int("MEETINGS_WINDOW_DAYS", 120)
# Seconds the community page's cards stay cached (they are also forgotten on every write); 0: off.
COMMUNITY_CARDS_SECONDS = env_int("COMMUNITY_CARDS_SECONDS", 60)
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300)
# Webhooks: loopback/private targets are refused unless this is on (tests run a local receiver).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
WEBHOOKS_LEASE_SECONDS = env_int("WEBHOOKS_LEASE_SECONDS", 300)
WEBHOOKS_DISABLE_AFTER = env_int("WEBHOOKS_DISABLE_AFTER", 15)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "taggit",
    "django_htmx",
    "template_partials",
    "core",
    "cop_platform",
    "accounts",
    "communities",
    "notifications",
    "charter",
    "discussions",
    "meetings",
    "digests",
    "health",
    "api",
    # django-ninja's templates and static files: its docs page then loads Swagger UI from
    # our own static files, not a CDN.
    "ninja",
    "webhooks",
    "feeds",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cop_platform.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "cop_platform.middleware.StyledNotFoundMiddleware",
]


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Content-Security-Policy (django-csp): nothing inline. Every script and style is a file
# under static/; htmx is told not to add its indicator styles and not to eval (base.html),
# and declarative.js replaces inline handlers. Images may be data: URIs (the favicon, the
# MFA QR code). No page may be framed, no plugin loaded, no form sent elsewhere.
# A page that truly needs an inline script gets a nonce: `<script nonce="{{ request.csp_nonce }}">`.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Markdown tables keep their column alignment as the only style attribute (the
        # sanitiser drops every other property): exactly these three values may apply.
        "style-src-attr": [
            "'unsafe-hashes'",
            *(_csp_hash(f"text-align:{side}") for side in ("left", "center", "right")),
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the platform never uses, refused to every page and frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

ROOT_URLCONF = "cop_platform.urls"
WSGI_APPLICATION = "cop_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "cop_platform.context_processors.site",
            ],
        },
    },
]

# Database: SQLite by default, DATABASE_URL (postgres://...) for the full stack.
_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db),
        # Behind PgBouncer this is the connection to PgBouncer, kept open between requests;
        # the health check (a `SELECT 1` before reusing one) drops a connection PgBouncer closed.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No startup options (`-c jit=off`): PgBouncer in transaction mode refuses them. The JIT
    # compiler, which spent 590 ms compiling a 20 ms health aggregate, is turned off on the
    # database or role instead (`ALTER DATABASE ... SET jit = off`, see the README); the
    # `cop_platform.W001` check run by `migrate` warns while it is still on.
    # A server-side cursor (`.iterator()`) lives across transactions, which PgBouncer in
    # transaction mode may hand to different server connections: turn them off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DB_DISABLE_SERVER_SIDE_CURSORS", False
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` has the web server, a worker and beat writing to one file: WAL lets readers
    # go on while one writes, IMMEDIATE takes the write lock up front (no "database is locked"
    # halfway through a transaction), and a writer waits up to 20 s for its turn.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL is set, otherwise in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "practica"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker of `manage.py rundev` (make run without Redis): kombu's
    # filesystem transport, one message per file under var/celery. The web process,
    # the worker and beat all read these settings, so they share the same folders.
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
        # Handled messages are deleted; turn this on to keep them in processed/ while debugging.
        "store_processed": False,
        "processed_folder": str(_celery_dir / "processed"),
    }
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", f"file://{_celery_dir / 'results'}")
    # kombu and the file result backend expect their folders to exist.
    for _folder in ("queue", "control", "processed", "results"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "beat-schedule")
# No broker configured means nobody runs a worker: run tasks in-process instead.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or env_str("CELERY_BROKER_URL")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# A task is acknowledged after it ran, so a killed worker's task is redelivered;
# tasks must therefore be idempotent (they claim their work with a conditional update).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Periodic sweeps (celery beat). Each is idempotent: running one twice, or late, sends nothing twice.
CELERY_BEAT_SCHEDULE: dict = {
    "meetings-extend-occurrences": {"task": "meetings.tasks.extend_occurrences", "schedule": 3600.0},
    "meetings-send-due-reminders": {"task": "meetings.tasks.send_due_reminders", "schedule": 60.0},
    "digests-send-due-digests": {"task": "digests.tasks.send_due_digests", "schedule": 600.0},
    "discussions-escalate-unanswered": {"task": "discussions.tasks.escalate_unanswered", "schedule": 900.0},
    "webhooks-send-due-deliveries": {"task": "webhooks.tasks.send_due_deliveries", "schedule": 60.0},
}

# Auth and accounts (django-allauth).
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 1024}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
if not ACCOUNT_RATE_LIMITS_ENABLED:
    # allauth 65 has no *_ENABLED setting: False is how it turns its limits off.
    ACCOUNT_RATE_LIMITS = False
# Wrong passwords, (how many, per how many seconds), counted per account and address, per
# address and per account (accounts/login_limits.py). They replace allauth's `login_failed`
# limit for passwords, which refused the correct password too; the second-factor step keeps
# allauth's. Off with the rest when ACCOUNT_RATE_LIMITS_ENABLED is false.
LOGIN_FAILURE_LIMITS = {
    "account_and_address": (env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5), 300),
    "address": (env_int("LOGIN_FAILURES_PER_ADDRESS", 30), 600),
    "account": (env_int("LOGIN_FAILURES_PER_ACCOUNT", 50), 3600),
}
# How many proxies in front of the site add themselves to X-Forwarded-For (a load balancer
# and nginx: 2). With 0 the header is ignored, and behind a proxy every person would share
# the proxy's address for the login limits. Never more than there really are: the header's
# left part is whatever the client wrote.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_REDIRECT_URL = "/profile/edit/?welcome=1"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# Email: a folder of .eml files in development (readable by the demo), SMTP via env.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@practica.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Platform rules.
# When true, a proposed community waits for a site admin before it goes live.
COMMUNITY_CREATION_REQUIRES_APPROVAL = env_bool("COMMUNITY_CREATION_REQUIRES_APPROVAL", False)
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", True)
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
# Posting limits per person: (how many, per how many seconds). Counters live in the cache.
# Requests per personal access token: (how many, per how many seconds); 429 with Retry-After beyond.
API_RATE_LIMIT = (env_int("API_RATE_LIMIT", 600), env_int("API_RATE_LIMIT_SECONDS", 60))

DISCUSSIONS_RATE_LIMITS = {
    "request": (env_int("DISCUSSIONS_REQUESTS_PER_10_MIN", 5), 600),
    "reply": (env_int("DISCUSSIONS_REPLIES_PER_10_MIN", 20), 600),
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Eager tasks would log every run at INFO; workers log their own.
        "celery.app.trace": {"level": "WARNING"},
    },
}
