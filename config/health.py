"""Health endpoints: /healthz/live (the process answers) and /healthz (its dependencies answer)."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("ideabox.health")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = "healthz:probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")


def _check_broker() -> str | None:
    if not settings.REDIS_URL:
        return "eager"  # embedded default: tasks run in-process, there is no broker to be down
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return None


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
def healthz(request):
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # any failure of a dependency is reported, never raised to the user
            healthy = False
            results[name] = {"status": "down", "error": exc.__class__.__name__}
            logger.error("healthz: %s is down: %s", name, str(exc).splitlines()[0] if str(exc) else exc)
            if name == "database":
                connection.close_if_unusable_or_obsolete()
        else:
            results[name] = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
            if detail:
                results[name]["mode"] = detail
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": results}, status=200 if healthy else 503
    )


@never_cache
def healthz_live(request):
    return JsonResponse({"status": "ok"})
