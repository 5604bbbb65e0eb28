"""A Celery app for fault tests (``celery -A tests.support.slow_badges worker``): the project's app,
with the badge run pausing after its first new badge is announced (a marker file says so), so a test
can kill the worker half-way through the task. Each finished task leaves a ``done-*`` marker in
``SLOW_BADGES_DONE_DIR``, so the test waits for the work instead of sleeping."""

import os
import time
from pathlib import Path

from config.celery import app  # noqa: F401 (the worker's app)

_paused = False


def _install():
    import django

    django.setup()
    from gamification import badges

    real_notify = badges.notify

    def notify_then_pause(**kwargs):
        global _paused
        created = real_notify(**kwargs)
        if not _paused and os.environ.get("SLOW_BADGES_DIR"):
            _paused = True
            Path(os.environ["SLOW_BADGES_DIR"], f"paused-{time.time_ns()}.marker").write_text(
                "first badge done"
            )
            time.sleep(float(os.environ.get("SLOW_BADGES_SECONDS", "0")))
        return created

    badges.notify = notify_then_pause

    from celery.signals import task_postrun

    @task_postrun.connect(weak=False)
    def mark_done(**_kwargs):
        if os.environ.get("SLOW_BADGES_DONE_DIR"):
            Path(os.environ["SLOW_BADGES_DONE_DIR"], f"done-{time.time_ns()}.marker").write_text("done")


_install()
