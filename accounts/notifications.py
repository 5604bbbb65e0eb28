"""The one notification function (DESIGN.md section 7).

``notify`` writes one row per recipient for an event, deduplicated by (recipient, event key) in the
database, in each recipient's language; after commit it pushes the new unread count over the
recipient's websocket. E-mail delivery reads these rows (immediately or as digests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Notification, User
from config.rows import insert_many_once

logger = logging.getLogger(__name__)


_WRITTEN = ("recipient_id", "kind", "event_key", "text", "url", "idea_id", "created_at")


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    event_key: str,
    text: Callable[[], str],
    url: str = "",
    idea_id: int | None = None,
    exclude_ids: Iterable[int] = (),
) -> int:
    """Creates the notification for each recipient once. ``text`` is called in each recipient's
    language. Returns how many new notifications were written."""
    if kind not in Notification.Kind.values:
        logger.warning("notify: unknown notification kind %r ignored (event %s)", kind, event_key)
        return 0
    excluded = set(exclude_ids)
    ids = {pk for pk in recipient_ids if pk and pk not in excluded}
    if not ids:
        return 0
    rows = []
    # In id order: the rows (and their ids) do not depend on the query plan.
    recipients = User.objects.filter(pk__in=ids, is_active=True).order_by("pk").values_list("pk", "language")
    by_language: dict[str, list[int]] = {}
    for pk, language in recipients:
        by_language.setdefault(language or "fr", []).append(pk)
    for language, pks in by_language.items():
        with translation.override(language):
            message = str(text())[:500]
        rows.extend(
            Notification(
                recipient_id=pk, kind=kind, event_key=event_key[:200], text=message, url=url, idea_id=idea_id
            )
            for pk in pks
        )
    # Once per (recipient, event): the unique constraint keeps a repeat out, and the statement
    # says which rows it wrote.
    now = timezone.now()
    for row in rows:
        row.created_at = now
    written = set(
        insert_many_once(
            Notification,
            [{name: getattr(row, name) for name in _WRITTEN} for row in rows],
            returning="recipient",
        )
    )
    rows = [row for row in rows if row.recipient_id in written]
    created = [(row.recipient_id, row.text) for row in rows]
    if created:
        from accounts.email import enqueue, queue_immediate

        enqueue(queue_immediate(rows))
        transaction.on_commit(lambda: push_unread(created))
    return len(created)


# The unread count is in every page's header: read from the cache, set when notifications are
# written (after commit, with the count just computed for the websocket) and forgotten when they
# are read or deleted. The timeout bounds what another path (an import, a seed) could leave stale.
UNREAD_SECONDS = 30


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user_id: int) -> int:
    count = cache.get(_unread_key(user_id))
    if count is None:
        count = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
        cache.set(_unread_key(user_id), count, UNREAD_SECONDS)
    return count


def unread_forget(user_id: int) -> None:
    """After this person's notifications are marked read or deleted (and on commit, so that a
    request in between cannot put the old count back)."""
    cache.delete(_unread_key(user_id))
    transaction.on_commit(lambda: cache.delete(_unread_key(user_id)))


def push_unread(created: list[tuple[int, str]]) -> None:
    """Sends each recipient their unread count and the new text over the websocket (best effort):
    one query for every count, one event loop for every send."""
    from django.db.models import Count

    from accounts.consumers import user_group
    from config.realtime import group_send_many_safely

    if not created:
        return
    counts: dict[int, int] = {}
    ids = sorted({user_id for user_id, _text in created})
    for start in range(0, len(ids), 5000):
        counts.update(
            Notification.objects.filter(recipient_id__in=ids[start : start + 5000], read_at__isnull=True)
            .values("recipient_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("recipient_id", "n")
        )
    cache.set_many({_unread_key(user_id): counts.get(user_id, 0) for user_id in ids}, UNREAD_SECONDS)
    group_send_many_safely(
        [
            (
                user_group(user_id),
                {
                    "type": "notify",
                    "payload": {"type": "notification", "unread": counts.get(user_id, 0), "text": text},
                },
            )
            for user_id, text in created
        ]
    )
