"""Points and badges recomputed from the history (after seed_demo or an import), in bulk.

Applies the same rules as the live events (gamification.events), daily caps and the monthly cap
per pair of people included, in time order. Idempotent: the ledger's unique key makes a second
run write nothing."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from config.bulk import bulk_insert
from gamification.models import PointEntry, PointRule
from gamification.services import rules_ensure_defaults
from ideas.models import PUBLIC_STATES, Comment, Idea, IdeaState, Vote
from moderation.models import Transition

S = IdeaState


def _rules() -> dict[str, PointRule]:
    rules_ensure_defaults()
    return {rule.code: rule for rule in PointRule.objects.filter(is_active=True)}


def rebuild_points(*, progress=None) -> int:
    rules = _rules()
    rows: list[tuple] = []  # (user_id, rule, object_key, points, created_at, idea_id)
    tz = timezone.get_current_timezone()  # timezone.localtime() per row looks it up each time
    used_today: dict[tuple[int, str, object], int] = defaultdict(int)
    pair_month: dict[tuple[int, int, int, int], int] = defaultdict(int)

    def add(user_id, code, key, at, idea_id=None, points=None):
        rule = rules.get(code)
        if rule is None or at is None:
            return
        amount = rule.points if points is None else points
        if rule.daily_cap is not None:
            day = (user_id, code, at.astimezone(tz).date())
            amount = min(amount, rule.daily_cap - used_today[day])
            if amount <= 0:
                return
            used_today[day] += amount
        rows.append((user_id, code, key, amount, at, idea_id))

    reached: dict[tuple[int, str], object] = {}
    for idea_id, to_state, at in Transition.objects.values_list("idea_id", "to_state", "at"):
        reached.setdefault((idea_id, to_state), at)
    ideas = Idea.objects.filter(state__in=PUBLIC_STATES).exclude(state=S.MERGED)
    co_authors = defaultdict(list)
    for idea_id, user_id in Idea.co_authors.through.objects.values_list("idea_id", "user_id"):
        co_authors[idea_id].append(user_id)
    deployed_ids = set()
    for pk, author, state, published in ideas.values_list("pk", "author_id", "state", "published_at"):
        add(author, "idea_published", f"idea:{pk}", published or reached.get((pk, S.PUBLISHED)), pk)
        authors = [author, *co_authors[pk]]
        if (pk, S.SHORTLISTED) in reached or state in (
            S.SHORTLISTED,
            S.IN_ANALYSIS,
            S.PROJECT,
            S.PILOT,
            S.DEPLOYED,
        ):
            add(author, "idea_shortlisted", f"idea:{pk}", reached.get((pk, S.SHORTLISTED), published), pk)
        if state in (S.PROJECT, S.PILOT, S.DEPLOYED):
            at = reached.get((pk, S.PROJECT)) or reached.get((pk, S.PILOT)) or published
            for user_id in authors:
                add(user_id, "idea_project", f"idea:{pk}", at, pk)
        if state == S.DEPLOYED:
            deployed_ids.add(pk)
            share = max(100 // len(authors), 1)
            for user_id in authors:
                add(
                    user_id,
                    "idea_deployed",
                    f"idea:{pk}",
                    reached.get((pk, S.DEPLOYED), published),
                    pk,
                    points=share,
                )
    open_ideas = dict(ideas.values_list("pk", "author_id"))
    events = []
    for pk, idea_id, author, at, helpful in Comment.objects.filter(
        deleted_at__isnull=True, is_hidden=False, idea_id__in=open_ideas
    ).values_list("pk", "idea_id", "author_id", "created_at", "helpful_at"):
        events.append((at, "comment", pk, idea_id, author, helpful))
    for idea_id, voter, at in Vote.objects.filter(idea_id__in=open_ideas).values_list(
        "idea_id", "voter_id", "created_at"
    ):
        events.append((at, "vote", None, idea_id, voter, None))
    events.sort(key=lambda e: (e[0], e[1], e[3], e[4]))
    cap = settings.VOTE_PAIR_MONTHLY_CAP
    for at, kind, pk, idea_id, actor, helpful in events:
        owner = open_ideas[idea_id]
        if kind == "comment":
            if actor != owner:
                add(actor, "comment", f"comment:{pk}", at, idea_id)
            if helpful and actor != owner:
                add(actor, "comment_helpful", f"comment:{pk}", helpful, idea_id)
                if idea_id in deployed_ids:
                    add(
                        actor,
                        "deployed_helpful",
                        f"comment:{pk}",
                        reached.get((idea_id, S.DEPLOYED), helpful),
                        idea_id,
                    )
        else:
            add(actor, "vote_given", f"idea:{idea_id}", at, idea_id)
            local = at.astimezone(tz)
            month = (owner, actor, local.year, local.month)
            if pair_month[month] < cap:
                pair_month[month] += 1
                add(owner, "vote_received", f"idea:{idea_id}:voter:{actor}", at, idea_id)
    before = PointEntry.objects.count()
    columns = ("user_id", "rule", "object_key", "points", "created_at", "idea_id")
    bulk_insert(PointEntry, columns, rows, ignore_conflicts=True, progress=progress)
    return PointEntry.objects.count() - before


def rebuild_points_and_badges(*, progress=None, announce: bool = True) -> dict:
    from gamification.badges import badges_award

    written = rebuild_points(progress=progress)
    awarded = badges_award(announce=announce)
    return {"points_rows": written, "badges": sum(len(v) for v in awarded.values())}
