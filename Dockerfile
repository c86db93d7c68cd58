# Practica: gunicorn serving cop_platform.wsgi on port 8000. The same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.12-slim

# The code runs from /app, where the settings find templates/ and static/ beside the
# packages; PYTHONPATH puts it ahead of the copy that `pip install .` leaves in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=cop_platform.settings.production

WORKDIR /app

RUN groupadd --system practica \
    && useradd --system --gid practica --home-dir /app --no-create-home practica

COPY . .
RUN pip install .

# collectstatic imports the production settings, which refuse to load without a secret
# key, allowed hosts and Redis (never connected to here). These placeholders exist only
# during the build.
ARG BUILD_SECRET_KEY=collectstatic-only-build-placeholder-not-used-at-run-time
RUN SECRET_KEY="$BUILD_SECRET_KEY" ALLOWED_HOSTS=localhost REDIS_URL=redis://build-placeholder:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media var/mail \
    && chown -R practica:practica var

USER practica
EXPOSE 8000
CMD ["gunicorn", "cop_platform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
