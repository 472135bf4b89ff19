# syntax=docker/dockerfile:1
# Musaada production image: one image for web (gunicorn), worker and beat (celery), migrate.
# Build:  docker build -t musaada .
# See docs/production.md for the environment it needs at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    MEDIA_ROOT=/data/uploads

# Unprivileged runtime user. It gets a writable home because gunicorn puts its control socket
# in ~/.gunicorn/. The code itself stays owned by root, so the app cannot rewrite it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir -r requirements/base.lock

COPY . .

# Static files are collected into STATIC_ROOT's default (/app/staticfiles) and served by
# whitenoise. Production settings must import for this, so dummy values are passed on this
# line only; they are not kept in the image's environment. Nothing here touches a database.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime-0123456789ab \
    ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://build:6379/0 \
    IDENTITY_PROVIDER=hawiyati \
    python manage.py collectstatic --noinput

# Uploaded documents. Created and chowned before VOLUME, so a fresh named volume mounted
# here starts out owned by the app user. /data/static: the copy of the static files that nginx
# serves (docker-compose.yml's `static` service), world-readable.
RUN mkdir -p /data/uploads /data/static \
    && chown app:app /data/uploads /data/static \
    && chmod 0750 /data/uploads
VOLUME ["/data/uploads"]

USER app

EXPOSE 8000

# /healthz answers 200 when the database (and Redis, if configured) respond, 503 otherwise;
# urlopen raises on 503 or on no answer, which makes the check fail. The Host header is the
# first ALLOWED_HOSTS entry, otherwise Django would reject "127.0.0.1" with a 400.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=8)"

CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
