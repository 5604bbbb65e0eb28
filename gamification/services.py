"""The one award function, and its reversal. Callers never write ledger rows themselves.

Every award is keyed by (user, rule, object): the database refuses a second one, even from 50
concurrent requests. Daily caps are enforced under a lock on the person's row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.rows import create_once
from gamification.models import PointEntry, PointRule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DefaultRule:
    code: str
    label: str
    description: str
    points: int
    daily_cap: int | None = None


# DESIGN.md section 5. Admins can edit them (PointRule rows); these seed the table.
DEFAULT_RULES = [
    DefaultRule("idea_published", _("Idea published"), _("Your idea is published after moderation."), 20),
    DefaultRule("comment", _("Comment"), _("You comment on an idea (at most 20 points a day)."), 2, 20),
    DefaultRule(
        "vote_given", _("Vote given"), _("You support a colleague's idea (at most 10 points a day)."), 1, 10
    ),
    DefaultRule(
        "vote_received",
        _("Vote received"),
        _("A colleague supports your idea (each colleague counts a few times a month at most)."),
        1,
    ),
    DefaultRule("comment_helpful", _("Helpful comment"), _("The author marks your comment as helpful."), 5),
    DefaultRule("idea_shortlisted", _("Idea with potential"), _("Your idea is shortlisted."), 30),
    DefaultRule("idea_project", _("Project or pilot"), _("Your idea becomes a project or a pilot."), 50),
    DefaultRule(
        "idea_deployed", _("Idea deployed"), _("Your idea is deployed (shared among co-authors)."), 100
    ),
    DefaultRule(
        "deployed_helpful",
        _("Helped a deployed idea"),
        _("Your helpful comment was on an idea now deployed."),
        20,
    ),
]

LEVELS = [
    (0, _("Newcomer")),
    (50, _("Contributor")),
    (200, _("Active")),
    (500, _("Expert")),
    (1500, _("Champion")),
]


def level_for(points: int) -> dict:
    current, index = LEVELS[0], 0
    for i, (threshold, _label) in enumerate(LEVELS):
        if points >= threshold:
            current, index = LEVELS[i], i
    following = LEVELS[index + 1] if index + 1 < len(LEVELS) else None
    return {
        "number": index + 1,
        "name": current[1],
        "threshold": current[0],
        "next_threshold": following[0] if following else None,
        "next_name": following[1] if following else None,
        "to_next": (following[0] - points) if following else 0,
    }


def rules_ensure_defaults() -> None:
    """Creates the default rules that do not exist yet (admins' edits are kept). Their texts are
    stored in English, the catalogue's language, and shown translated (selectors.rule_texts)."""
    for rule in DEFAULT_RULES:
        with translation.override("en"):
            texts = {"label": str(rule.label), "description": str(rule.description)}
        PointRule.objects.get_or_create(
            code=rule.code,
            defaults={**texts, "points": rule.points, "daily_cap": rule.daily_cap},
        )


RULES_SECONDS = 30
_rules: dict[str, tuple[float, PointRule]] = {}


def rules_forget(**_kwargs) -> None:
    """Connected to PointRule's save and delete: this process sees an edit at once, the others
    within RULES_SECONDS."""
    _rules.clear()


def _rule(code: str) -> PointRule | None:
    """The rule, read at most every RULES_SECONDS per process (two reads per vote otherwise)."""
    cached = _rules.get(code)
    if cached and time.monotonic() - cached[0] < RULES_SECONDS:
        rule = cached[1]
        return rule if rule.is_active else None
    rule = PointRule.objects.filter(code=code).first()
    if rule is not None:
        _rules[code] = (time.monotonic(), rule)
    if rule is None:
        default = next((r for r in DEFAULT_RULES if r.code == code), None)
        if default is None:
            raise ValueError(f"unknown point rule {code!r}")
        rules_ensure_defaults()
        rule = PointRule.objects.get(code=code)
    return rule if rule.is_active else None


def _day_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def award(
    *,
    user_id: int,
    rule: str,
    object_key: str,
    idea_id: int | None = None,
    points: int | None = None,
    at: datetime | None = None,
) -> PointEntry | None:
    """Awards ``rule``'s points to the person for ``object_key``, once ever.

    Idempotent: a second call (or a concurrent one) awards nothing and returns None. Returns None too
    when the rule is inactive or the daily cap is reached.
    """
    point_rule = _rule(rule)
    if point_rule is None:
        return None
    at = at or timezone.now()
    amount = point_rule.points if points is None else points
    # No savepoint of its own: the caller's transaction (a vote, a comment) holds the lock and the
    # row together, and a failure here fails that transaction anyway.
    with transaction.atomic(savepoint=False):
        if point_rule.daily_cap is not None:
            from accounts.models import User

            # The person's row serialises their capped awards: the next statement (its own snapshot,
            # taken once the lock is held) sees what an earlier concurrent award wrote.
            User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()
            return _insert_capped(
                user_id=user_id,
                rule=rule,
                object_key=object_key,
                points=amount,
                cap=point_rule.daily_cap,
                idea_id=idea_id,
                created_at=at,
            )
        return _insert_once(
            user_id=user_id, rule=rule, object_key=object_key, points=amount, idea_id=idea_id, created_at=at
        )


def _insert_capped(
    *, user_id: int, rule: str, object_key: str, points: int, cap: int, idea_id: int | None, created_at
) -> PointEntry | None:
    """The award, within what is left of today's cap, in one statement: the rule's points or the
    rest of the cap, nothing once it is reached or when the award exists (the ledger's unique key).
    Where an existence check, the day's SUM and the insert were three round trips on every vote and
    comment."""
    quote = connection.ops.quote_name
    table = quote(PointEntry._meta.db_table)
    column = {name: quote(PointEntry._meta.get_field(name).column) for name in _CAPPED_COLUMNS}
    when = PointEntry._meta.get_field("created_at")
    start = _day_start(created_at)
    day = [when.get_db_prep_value(moment, connection) for moment in (start, start + timedelta(days=1))]
    sql = (
        f"INSERT INTO {table} ({', '.join(column.values())}) "  # noqa: S608  # nosec B608
        "SELECT %s, %s, %s, %s, CASE WHEN %s < %s - today.total THEN %s ELSE %s - today.total END, %s, %s "
        f"FROM (SELECT COALESCE(SUM({column['points']}), 0) AS total FROM {table} "
        f"WHERE {column['user']} = %s AND {column['rule']} = %s "
        f"AND {column['created_at']} >= %s AND {column['created_at']} < %s) AS today "
        f"WHERE today.total < %s ON CONFLICT DO NOTHING RETURNING id, {column['points']}"
    )
    params = [
        *(False, user_id, rule, object_key),
        *(points, cap, points, cap),
        *(idea_id, when.get_db_prep_value(created_at, connection)),
        *(user_id, rule, *day),
        cap,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    entry = PointEntry(
        pk=row[0],
        user_id=user_id,
        rule=rule,
        object_key=object_key,
        points=row[1],
        idea_id=idea_id,
        created_at=created_at,
        is_reversal=False,
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


_CAPPED_COLUMNS = ("is_reversal", "user", "rule", "object_key", "points", "idea_id", "created_at")


def _insert_once(*, is_reversal: bool = False, **fields) -> PointEntry | None:
    """Writes a ledger row unless the same (user, rule, object, reversal) exists: one statement
    (config.rows.create_once), where an existence check, a savepoint, the insert and its release
    were four round trips on every vote and comment.
    Returns the row, or None when it was there already (a repeat, or a concurrent request)."""
    return create_once(PointEntry, is_reversal=is_reversal, **fields)


def reverse(*, user_id: int, rule: str, object_key: str, at: datetime | None = None) -> PointEntry | None:
    """Writes the reversal of an earlier award (withdrawn vote, deleted or rejected content), once."""
    original = PointEntry.objects.filter(
        user_id=user_id, rule=rule, object_key=object_key, is_reversal=False
    ).first()
    if original is None or original.points == 0:
        return None
    return _insert_once(
        user_id=user_id,
        rule=rule,
        object_key=object_key,
        points=-original.points,
        is_reversal=True,
        idea_id=original.idea_id,
        created_at=at or timezone.now(),
    )


def reverse_for_idea(*, idea_id: int, rules: list[str] | None = None) -> int:
    """Reverses every award attached to an idea (rejected or removed content). Returns how many."""
    entries = PointEntry.objects.filter(idea_id=idea_id, is_reversal=False, points__gt=0)
    if rules:
        entries = entries.filter(rule__in=rules)
    count = 0
    for entry in entries:
        if reverse(user_id=entry.user_id, rule=entry.rule, object_key=entry.object_key):
            count += 1
    return count


def vote_pair_allowed(*, author_id: int, voter_id: int, at: datetime | None = None) -> bool:
    """Anti-gaming: votes between the same two people count for points at most N times a month."""
    at = at or timezone.now()
    month_start = timezone.localtime(at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = PointEntry.objects.filter(
        user_id=author_id,
        rule="vote_received",
        is_reversal=False,
        object_key__endswith=f":voter:{voter_id}",
        created_at__gte=month_start,
    ).count()
    return used < settings.VOTE_PAIR_MONTHLY_CAP


def user_total(*, user_id: int) -> int:
    return PointEntry.objects.filter(user_id=user_id).aggregate(total=Sum("points"))["total"] or 0
