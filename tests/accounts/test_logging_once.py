"""Each log record is printed once: `make run` showed every django.* line twice (Django's console
handler, then the root's), e.g. "Not Found: /favicon.ico" and "WARNING django.request ... Not Found"."""

import logging


def _handlers_reached(name: str) -> list[logging.Handler]:
    """The handlers a record of logger ``name`` goes through (logging's propagation walk)."""
    handlers, logger = [], logging.getLogger(name)
    while logger:
        handlers.extend(logger.handlers)
        if not logger.propagate:
            break
        logger = logger.parent
    return handlers


def test_a_django_record_reaches_only_the_root_handlers():
    for name in ("django.request", "django.channels.server", "ideas.views"):
        reached = _handlers_reached(name)
        # The root's handler (our console; pytest adds its capture handlers there too), nothing else.
        assert reached == logging.getLogger().handlers, f"{name}: printed by {reached}"
