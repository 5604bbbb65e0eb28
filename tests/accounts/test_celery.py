"""A real Celery worker (a subprocess) against the broker executes a product task."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from accounts.tasks import send_welcome_email
from tests.conftest import needs_postgres, needs_redis

ROOT = Path(__file__).resolve().parents[2]


def test_welcome_task_sends_the_email_eagerly(org):
    assert send_welcome_email.delay(org.alice.pk).get() is True
    assert mail.outbox[-1].to == ["alice@example.com"]
    assert "Ideabox" in mail.outbox[-1].subject


@needs_redis
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_welcome_task_against_redis(org, tmp_path):
    from config.celery import app

    outbox = tmp_path / "mail"
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
    }
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = _test_database_url()
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        app.conf.task_always_eager = False
        send_welcome_email.apply_async(args=[org.alice.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if outbox.exists() and any(outbox.iterdir()):
                break
            time.sleep(0.5)
        files = list(outbox.iterdir()) if outbox.exists() else []
        assert files, "the worker did not send the e-mail within 60 s"
        assert "alice@example.com" in files[0].read_text()
    finally:
        app.conf.task_always_eager = True
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )
