# syntax=docker/dockerfile:1
# Ideabox image: one image for every service of docker-compose.yml (web, ws, worker, beat, migrate).
#   docker build -t ideabox:latest .

# --- Builder: virtualenv, static files, compiled translations ------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH

# gettext (msgfmt) for compilemessages; it stays in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.lock ./
RUN pip install --upgrade pip \
    && pip install -r requirements.lock

COPY . .
# Settings refuse to load without a long SECRET_KEY when DEBUG is off: a throwaway one, build only.
# IDEABOX_TESTING=0 selects WhiteNoise's compressed manifest storage, as in production.
RUN DEBUG=0 SECRET_KEY=build-only-not-a-secret-3f6c1a9e07b24d58a1c9e6f2b7d40e8c5a3b1f9d ALLOWED_HOSTS=localhost \
    IDEABOX_TESTING=0 python manage.py collectstatic --no-input \
    && if command -v msgfmt >/dev/null 2>&1 && find . -path '*/locale/*' -name '*.po' | grep -q .; then \
         DEBUG=0 SECRET_KEY=build-only-not-a-secret-3f6c1a9e07b24d58a1c9e6f2b7d40e8c5a3b1f9d ALLOWED_HOSTS=localhost \
         IDEABOX_TESTING=0 python manage.py compilemessages; \
       fi \
    && python -m compileall -q /app

# --- Final image: no compilers, no build tools, not root ------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings

RUN groupadd --system --gid 10001 ideabox \
    && useradd --system --uid 10001 --gid ideabox --create-home --home-dir /home/ideabox \
       --shell /usr/sbin/nologin ideabox

COPY --from=builder /opt/venv /opt/venv
# The code belongs to root (read-only for the app); only media/ is the app's to write.
COPY --from=builder /app /app
RUN mkdir -p /app/media && chown ideabox:ideabox /app/media

WORKDIR /app
USER ideabox

# 8000: gunicorn (web), 8001: daphne (ws).
EXPOSE 8000 8001

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", \
     "--workers", "3", "--threads", "4", "--access-logfile", "-"]
