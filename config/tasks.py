"""Handing work to Celery without ever failing the user's action when the broker is down."""

import logging

logger = logging.getLogger("ideabox.tasks")


def delay_or_run(task, *args):
    """Queues ``task``; if the broker cannot be reached, runs it in-process instead (used for small,
    idempotent follow-ups: badges, automatic shortlisting)."""
    try:
        return task.apply_async(args=args, retry=False)
    except Exception as exc:  # kombu OperationalError, ConnectionError...: the broker is down
        logger.warning(
            "broker unavailable for %s (%s): running it in-process", task.name, exc.__class__.__name__
        )
        try:
            return task.apply(args=args)
        except Exception:
            logger.exception("%s failed in-process; the nightly job will catch up", task.name)
            return None
