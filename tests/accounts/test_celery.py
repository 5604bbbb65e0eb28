"""A real Celery worker (a subprocess) against the broker executes a product task."""

import os
import time

import pytest
from django.core import mail

from accounts.tasks import send_welcome_email
from tests.conftest import needs_postgres, needs_redis
from tests.support.processes import start_worker, stop, worker_database_url


def test_welcome_task_sends_the_email_eagerly(org):
    assert send_welcome_email.delay(org.alice.pk).get() is True
    assert mail.outbox[-1].to == ["alice@example.com"]
    assert "Ideabox" in mail.outbox[-1].subject


def _written(outbox) -> str:
    """The text of the messages written so far (a file still empty while the worker writes it
    counts as nothing yet)."""
    if not outbox.exists():
        return ""
    return "".join(path.read_text() for path in sorted(outbox.iterdir()))


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
        "DATABASE_URL": worker_database_url(),
    }
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    worker = start_worker(env, queue)
    try:
        app.conf.task_always_eager = False
        send_welcome_email.apply_async(args=[org.alice.pk], queue=queue)
        deadline = time.monotonic() + 60
        # The file backend creates the file, then writes the message: wait for its text, not the file.
        while time.monotonic() < deadline and "alice@example.com" not in _written(outbox):
            time.sleep(0.5)
        assert _written(outbox), "the worker did not send the e-mail within 60 s"
        assert "alice@example.com" in _written(outbox)
    finally:
        app.conf.task_always_eager = True
        stop(worker)
