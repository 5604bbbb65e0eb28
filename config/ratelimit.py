"""Rate limits on contributions (ideas, comments, votes, reports), per person, in the cache.

Pages and the API call ``rate_limit_hit`` before the service that writes; over the limit it raises
``RateLimited`` (HTTP 429 with a message that says when to try again): DRF turns it into a JSON
answer with ``Retry-After``, ``RateLimitMiddleware`` into a page or an htmx toast. Rates come from
the environment (``RATE_LIMIT_*``, see settings). A fixed window per person and action: cheap, and
good enough against a script or a stuck button. When the cache is down the limit fails open: a
contribution is never lost because Redis is."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rest_framework.exceptions import Throttled

from config.env import parse_rate
from config.params import local_url

ACTIONS = {
    "idea": gettext_lazy("submit another idea"),
    "comment": gettext_lazy("comment again"),
    "vote": gettext_lazy("vote again"),
    "report": gettext_lazy("report more content"),
}


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = round(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


class RateLimited(Throttled):
    """Too many contributions of one kind in a short time (HTTP 429)."""

    def __init__(self, *, action: str, wait: int):
        self.action = action
        message = _("You are going a bit fast: you can %(action)s in %(wait)s.") % {
            "action": ACTIONS[action],
            "wait": _wait_text(wait),
        }
        super().__init__(wait=wait, detail=message)
        self.message = message

    @property
    def extra_detail_plural(self):  # DRF would append "Expected available in N seconds." in English
        return ""

    extra_detail_singular = ""


def rate_limit_hit(*, action: str, user) -> None:
    """Counts one ``action`` by ``user``; raises ``RateLimited`` past the configured rate."""
    limit, period = parse_rate(settings.RATE_LIMITS[action])
    now = time.time()
    window = int(now // period)
    key = f"ratelimit:{action}:{user.pk}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        raise RateLimited(action=action, wait=max(1, int((window + 1) * period - now)))


class RateLimitMiddleware:
    """Answers ``RateLimited`` raised by a page: 429 with the message, as a toast for htmx."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        wait = str(int(exception.wait or 1))
        if getattr(request, "htmx", False):
            response = render(
                request, "components/_rate_limited.html", {"message": exception.message}, status=429
            )
            response["HX-Retarget"] = "#toasts"
            response["HX-Reswap"] = "beforeend"
        else:
            back = local_url(request, request.headers.get("Referer")) or "/"
            response = render(
                request, "frontend/429.html", {"message": exception.message, "back": back}, status=429
            )
        response["Retry-After"] = wait
        return response
