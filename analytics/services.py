"""Recording use cheaply: one upsert a day per person (visits) and per person and idea (views)."""

import contextlib

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from analytics.models import IdeaView, Visit
from config.rows import insert_once


class _RecordedToday:
    """What this process has recorded today (people's visits, people's views of ideas): most
    requests come from people seen already, and this spares them a cache round trip or an insert.
    Bounded: emptied when the day changes or when it holds ``limit`` entries."""

    def __init__(self, limit: int):
        self.limit = limit
        self.day = None
        self.keys: set = set()

    def __contains__(self, key) -> bool:
        day = timezone.localdate()
        if self.day != day or len(self.keys) >= self.limit:
            self.day, self.keys = day, set()
        return key in self.keys

    def add(self, key) -> None:
        self.keys.add(key)


_visits = _RecordedToday(100_000)
_views = _RecordedToday(200_000)


def visits_forget() -> None:
    """Empties this process's memory of today's visits and views (tests, which reuse ids and move
    the clock)."""
    for memo in (_visits, _views):
        memo.day, memo.keys = None, set()


def record_visit(*, user_id: int) -> None:
    """At most one database write per person per day: the process, then the cache, remember who
    was recorded today."""
    if user_id in _visits:
        return
    day = timezone.localdate()
    key = f"visit:{day.isoformat()}:{user_id}"
    with contextlib.suppress(Exception):  # cache down: fall through to the idempotent insert
        if cache.get(key):
            _visits.add(user_id)
            return
    try:
        insert_once(Visit, user_id=user_id, day=day)
    except DatabaseError:
        return
    with contextlib.suppress(Exception):  # the insert above is idempotent; the cache only saves writes
        cache.set(key, 1, 60 * 60 * 26)
    _visits.add(user_id)


def record_idea_view(*, user_id: int | None = None, idea_id: int, user=None) -> None:
    user_id = user_id or (user.pk if user is not None else None)
    if not user_id:
        return
    if (user_id, idea_id) in _views:  # recorded today by this process: the insert would do nothing
        return
    # One statement (INSERT ... ON CONFLICT DO NOTHING), without bulk_create's machinery.
    insert_once(IdeaView, user_id=user_id, idea_id=idea_id, day=timezone.localdate())
    transaction.on_commit(lambda: _views.add((user_id, idea_id)))
