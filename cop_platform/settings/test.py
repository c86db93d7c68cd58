"""Test settings: the base settings (so DATABASE_URL/REDIS_URL still apply) made fast."""

import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
DEBUG = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
if REDIS_URL:  # noqa: F405
    # Tests clear the cache (FLUSHDB) between tests: give them a Redis database of their
    # own, so a developer's running platform on the same server keeps its cache.
    from urllib.parse import urlsplit, urlunsplit

    # Under pytest-xdist each worker (gw0, gw1, ...) flushes a database of its own: 15, 14, ...
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _parts = urlsplit(REDIS_URL)  # noqa: F405
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path=f"/{15 - _worker % 8}"))  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "practica-test"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
