"""Recording use cheaply: one upsert a day per person (visits) and per person and idea (views)."""

import contextlib

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from analytics.models import IdeaView, Visit

# People this process has seen recorded today: most requests come from people seen already, and
# this spares them a cache round trip (about a tenth of a signed-in request that reads nothing
# else). Bounded: emptied when the day changes or when it holds _SEEN_MAX people.
_seen: dict = {"day": None, "ids": set()}
_SEEN_MAX = 100_000


def visits_forget() -> None:
    """Empties this process's memory of today's visits (tests, which reuse ids and move the clock)."""
    _seen.update(day=None, ids=set())


def record_visit(*, user_id: int) -> None:
    """At most one database write per person per day: the process, then the cache, remember who
    was recorded today."""
    day = timezone.localdate()
    if _seen["day"] != day or len(_seen["ids"]) >= _SEEN_MAX:
        _seen.update(day=day, ids=set())
    if user_id in _seen["ids"]:
        return
    key = f"visit:{day.isoformat()}:{user_id}"
    with contextlib.suppress(Exception):  # cache down: fall through to the idempotent insert
        if cache.get(key):
            _seen["ids"].add(user_id)
            return
    try:
        Visit.objects.bulk_create([Visit(user_id=user_id, day=day)], ignore_conflicts=True)
    except DatabaseError:
        return
    with contextlib.suppress(Exception):  # the insert above is idempotent; the cache only saves writes
        cache.set(key, 1, 60 * 60 * 26)
    _seen["ids"].add(user_id)


def record_idea_view(*, user_id: int | None = None, idea_id: int, user=None) -> None:
    user_id = user_id or (user.pk if user is not None else None)
    if not user_id:
        return
    IdeaView.objects.bulk_create(
        [IdeaView(user_id=user_id, idea_id=idea_id, day=timezone.localdate())], ignore_conflicts=True
    )
