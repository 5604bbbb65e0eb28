"""Recording use cheaply: one upsert a day per person (visits) and per person and idea (views)."""

import contextlib

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from analytics.models import IdeaView, Visit


def record_visit(*, user_id: int) -> None:
    """At most one database write per person per day: the cache remembers who was recorded today."""
    day = timezone.localdate()
    key = f"visit:{day.isoformat()}:{user_id}"
    with contextlib.suppress(Exception):  # cache down: fall through to the idempotent insert
        if cache.get(key):
            return
    try:
        Visit.objects.bulk_create([Visit(user_id=user_id, day=day)], ignore_conflicts=True)
    except DatabaseError:
        return
    with contextlib.suppress(Exception):  # the insert above is idempotent; the cache only saves writes
        cache.set(key, 1, 60 * 60 * 26)


def record_idea_view(*, user_id: int | None = None, idea_id: int, user=None) -> None:
    user_id = user_id or (user.pk if user is not None else None)
    if not user_id:
        return
    IdeaView.objects.bulk_create(
        [IdeaView(user_id=user_id, idea_id=idea_id, day=timezone.localdate())], ignore_conflicts=True
    )
