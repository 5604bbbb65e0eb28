"""Reads on points and badges. Leaderboards are one GROUP BY on the ledger, whatever the headcount."""

from __future__ import annotations

from datetime import datetime

from badgify.models import Award
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation

from accounts.models import Entity, User
from gamification.models import PointEntry, PointRule
from gamification.services import DEFAULT_RULES, level_for
from ideas.fragments import content_key

PERIODS = ("month", "quarter", "all")


def rule_texts(rule: PointRule) -> tuple[str, str]:
    """A rule's label and description in the reader's language. A default rule keeps the catalogue's
    translation as long as nobody edited it (it may have been stored in English or, by older
    versions, in the language active when it was created); an edited text is shown as written."""
    default = next((d for d in DEFAULT_RULES if d.code == rule.code), None)
    if default is None:
        return rule.label, rule.description
    shown = []
    for stored, lazy in ((rule.label, default.label), (rule.description, default.description)):
        spellings = set()
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                spellings.add(str(lazy))
        shown.append(str(lazy) if stored in spellings else stored)
    return shown[0], shown[1]


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    now = timezone.localtime(now or timezone.now())
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return start
    if period == "quarter":
        return start.replace(month=3 * ((now.month - 1) // 3) + 1)
    return None


LEADERBOARD_CACHE_SECONDS = 60
LEADERBOARD_SPARE = 10  # rows kept beyond the limit, for people who opt out within the minute


def leaderboard(
    *, period: str = "month", entity: Entity | None = None, limit: int = 50, now: datetime | None = None
) -> list[dict]:
    """People ranked by points earned in the period, skipping those who opted out (not blanking
    them), inactive and erased accounts. Two queries."""
    entries = PointEntry.objects.all()
    start = period_start(period, now)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    entries = entries.filter(
        user__is_active=True, user__hide_from_leaderboards=False, user__erased_at__isnull=True
    )
    if entity is not None:
        entries = entries.filter(user__entity__path__startswith=entity.path)
    # The ranking sums every entry of the period (90 ms at 200,000 employees): kept for a minute.
    # The people are read fresh, and whoever opted out or left since is dropped at once.
    key = content_key(
        "leaderboard", (period, start.isoformat() if start else "", entity.path if entity else "", limit)
    )
    rows = cache.get(key)
    if rows is None:
        rows = list(
            entries.values_list("user_id")
            .annotate(points=Sum("points"))
            .filter(points__gt=0)
            .order_by("-points", "user_id")[: limit + LEADERBOARD_SPARE]
        )
        cache.set(key, rows, LEADERBOARD_CACHE_SECONDS)
    people = (
        User.objects.select_related("entity")
        .only("display_name", "is_active", "hide_from_leaderboards", "erased_at", "entity__name")
        .in_bulk([user_id for user_id, _points in rows])
    )
    listed = [
        (people[user_id], points)
        for user_id, points in rows
        if user_id in people
        and people[user_id].is_active
        and not people[user_id].hide_from_leaderboards
        and people[user_id].erased_at is None
    ][:limit]
    return [
        {"rank": rank, "user": user, "points": points} for rank, (user, points) in enumerate(listed, start=1)
    ]


def user_points(*, user) -> dict:
    total = PointEntry.objects.filter(user=user).aggregate(total=Sum("points"))["total"] or 0
    return {"total": total, "level": level_for(total)}


def user_history(*, user):
    return PointEntry.objects.filter(user=user).order_by("-created_at", "-id")


def user_badges(*, user) -> list[dict]:
    from gamification.badges import recipes

    awarded = dict(Award.objects.filter(user=user).values_list("badge__slug", "awarded_at"))
    result = []
    for recipe in recipes():
        result.append(
            {
                "slug": recipe.slug,
                "family": recipe.family,
                "level": recipe.level,
                "name": recipe.name,
                "rule": recipe.rule,
                "awarded_at": awarded.get(recipe.slug),
            }
        )
    return result


def badge_progress(*, user) -> dict[str, int]:
    """The figures behind the badges with levels, to show the next ones within reach."""
    from ideas.models import PUBLIC_STATES, Idea, IdeaState

    figures = User.objects.filter(pk=user.pk).aggregate(
        comments=Count("comments", filter=Q(comments__deleted_at__isnull=True), distinct=True),
        votes=Count("votes", distinct=True),
    )
    figures["ideas"] = (
        Idea.objects.filter(author=user, state__in=PUBLIC_STATES).exclude(state=IdeaState.MERGED).count()
    )
    return figures


def badge_holders(*, slug: str):
    return (
        Award.objects.filter(badge__slug=slug, user__hide_from_leaderboards=False, user__is_active=True)
        .select_related("user")
        .order_by("-awarded_at")
    )
