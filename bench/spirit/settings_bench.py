"""Spirit's settings for the page benchmark: its production settings, on PostgreSQL and Redis.

bench/pages_load.py copies this file into the project `spirit startproject` made
(var/bench/spirit-project/spiritbench/settings/bench.py). Like Practica's production
settings: DEBUG off, PostgreSQL with persistent connections, the cache in Redis.
"""

import os

from .prod import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["SPIRIT_DB_NAME"],
        "USER": os.environ.get("SPIRIT_DB_USER", "postgres"),
        "PASSWORD": os.environ.get("SPIRIT_DB_PASSWORD", ""),
        "HOST": os.environ.get("SPIRIT_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("SPIRIT_DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "bench-spirit",
    },
    "st_rate_limit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "bench-spirit-rl",
        "TIMEOUT": None,
    },
}
HAYSTACK_CONNECTIONS["default"]["PATH"] = os.path.join(BASE_DIR, "st_search")  # noqa: F405
# Static files are not part of the benchmark: no manifest, so no collectstatic needed.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ST_SITE_URL = "http://127.0.0.1/"
LOGGING = {"version": 1, "disable_existing_loggers": False}
