"""Contributor segments (DESIGN.md section 6), computed for a window from SQL aggregates, with the
figures that put each person in a segment kept as reasons.

Segments overlap: one person can be an influencer and a facilitator. Percentiles are taken among
the people active in the window (those with a visit). Thresholds come from settings.ANALYTICS.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from accounts.models import User
from analytics.graph import influence_scores
from analytics.models import Visit
from ideas.models import Comment, Idea, IdeaState, Vote
from moderation.models import Transition

S = IdeaState
ADVANCING = (S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED)

INACTIVE = "inactive"
PASSIVE = "passive"
REGULAR = "regular"
BIG_CONTRIBUTOR = "big_contributor"
INFLUENCER = "influencer"
FACILITATOR = "facilitator"
IDEA_DEVELOPER = "idea_developer"
TOP_MANAGER = "top_manager"
OCCASIONAL = "occasional"  # contributed in the window without fitting a specific segment
# Most specific first: the primary segment of a person (for the migration matrix) is the first held.
SEGMENTS = [
    INFLUENCER,
    IDEA_DEVELOPER,
    FACILITATOR,
    BIG_CONTRIBUTOR,
    TOP_MANAGER,
    REGULAR,
    OCCASIONAL,
    PASSIVE,
    INACTIVE,
]
CONTRIBUTOR_SEGMENTS = [INFLUENCER, IDEA_DEVELOPER, FACILITATOR, BIG_CONTRIBUTOR, TOP_MANAGER, REGULAR]


def thresholds() -> dict:
    defaults = {
        "window_days": 90,
        "regular_months": 3,
        "regular_of_months": 6,
        "big_top_share": 0.05,
        "big_min_ideas": 3,
        "big_min_comments": 15,
        "influencer_top_share": 0.05,
        "influencer_min_reach": 10,
        "influencer_min_entities": 2,
        "facilitator_min_authors": 3,
        "facilitator_min_share_others": 0.6,
        "facilitator_min_helpful": 1,
        "facilitator_top_share": 0.10,
        "developer_min_ideas": 2,
        "dormant_days": 30,
        "revival_days": 14,
    }
    defaults.update(getattr(settings, "ANALYTICS", {}))
    return defaults


@dataclass
class Window:
    start: datetime
    end: datetime

    @classmethod
    def ending(cls, end: datetime | None = None, days: int | None = None) -> Window:
        end = end or timezone.now()
        return cls(end - timedelta(days=days or thresholds()["window_days"]), end)


@dataclass
class SegmentResult:
    window: Window
    headcount: int
    active: int
    segments: dict[int, list[str]] = field(default_factory=dict)
    reasons: dict[int, dict] = field(default_factory=dict)
    influence: dict[int, float] = field(default_factory=dict)

    def members(self, segment: str) -> set[int]:
        return {pk for pk, held in self.segments.items() if segment in held}

    def primary(self, pk: int) -> str:
        held = self.segments.get(pk, [INACTIVE])
        return next(s for s in SEGMENTS if s in held)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEGMENTS, 0)
        for held in self.segments.values():
            for segment in held:
                counts[segment] += 1
        return counts


def _top(values: dict[int, float], population: list[int], share: float) -> set[int]:
    """People in the top ``share`` of ``population`` by value (value > 0; ties at the cut included)."""
    if not population or share <= 0:
        return set()
    ranked = sorted((values.get(pk, 0) for pk in population), reverse=True)
    k = max(1, math.ceil(share * len(population)))
    cut = ranked[min(k, len(ranked)) - 1]
    if cut <= 0:
        return {pk for pk in population if values.get(pk, 0) > 0}
    return {pk for pk in population if values.get(pk, 0) >= cut}


def _count_by(queryset, field_name) -> dict[int, int]:
    return {
        row[field_name]: row["n"] for row in queryset.values(field_name).annotate(n=Count("id")).order_by()
    }


def compute_segments(window: Window, *, user_ids: list[int] | None = None) -> SegmentResult:
    """Segments of every active person for ``window`` (a constant number of queries)."""
    t = thresholds()
    start, end = window.start, window.end
    people = User.objects.filter(is_active=True)
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    everyone = dict(people.values_list("pk", "is_executive"))
    # Joined in SQL (not an IN list of every id: 200,000 literals at scale), then intersected.
    visits = Visit.objects.filter(
        day__gte=timezone.localdate(start),
        day__lte=timezone.localdate(end - timedelta(microseconds=1)),
        user__is_active=True,
    )
    if user_ids is not None:
        visits = visits.filter(user_id__in=user_ids)
    active = set(visits.values_list("user_id", flat=True).distinct()) & everyone.keys()
    in_window = Q(created_at__gte=start, created_at__lt=end)
    ideas = _count_by(Idea.objects.filter(in_window).exclude(state=S.DRAFT), "author_id")
    comments_qs = Comment.objects.filter(in_window, deleted_at__isnull=True)
    comments = _count_by(comments_qs, "author_id")
    on_others_qs = comments_qs.exclude(idea__author_id=F("author_id"))
    on_others = _count_by(on_others_qs, "author_id")
    authors_helped = {
        row["author_id"]: row["n"]
        for row in on_others_qs.values("author_id")
        .annotate(n=Count("idea__author_id", distinct=True))
        .order_by()
    }
    helpful = _count_by(comments_qs.filter(helpful_at__isnull=False), "author_id")
    votes = _count_by(Vote.objects.filter(in_window), "voter_id")

    # Regular: contributed in at least N of the last M months (ending at the window's end).
    months = _contribution_months(start=end - timedelta(days=31 * t["regular_of_months"]), end=end)

    # Idea developers: comments on others' ideas that advanced afterwards (within the window).
    advanced_after = Transition.objects.filter(
        idea=OuterRef("idea_id"), at__gt=OuterRef("created_at"), at__lt=end, to_state__in=ADVANCING
    )
    developed = {
        row["author_id"]: row["n"]
        for row in on_others_qs.filter(Exists(advanced_after))
        .values("author_id")
        .annotate(n=Count("idea_id", distinct=True))
        .order_by()
    }
    revived = _revivals(window, t)
    decisions = _count_by(
        Transition.objects.filter(at__gte=start, at__lt=end, actor_role="executive"), "actor_id"
    )

    influence, reach, reach_entities = influence_scores(start=start, end=end)
    population = sorted(active)
    big_score = {pk: ideas.get(pk, 0) * 3 + comments.get(pk, 0) for pk in population}
    big_top = _top(big_score, population, t["big_top_share"])
    influence_top = _top(influence, population, t["influencer_top_share"])
    helped_top = _top(authors_helped, population, t["facilitator_top_share"])

    result = SegmentResult(window=window, headcount=len(everyone), active=len(active))
    for pk in everyone:
        if pk not in active:
            result.segments[pk] = [INACTIVE]
            result.reasons[pk] = {INACTIVE: {"visits": 0}}
            continue
        held, why = [], {}
        n_ideas, n_comments, n_votes = ideas.get(pk, 0), comments.get(pk, 0), votes.get(pk, 0)
        if n_ideas == 0 and n_comments == 0:
            held.append(PASSIVE)
            why[PASSIVE] = {"ideas": 0, "comments": 0, "votes": n_votes}
        if months.get(pk, 0) >= t["regular_months"]:
            held.append(REGULAR)
            why[REGULAR] = {"months_with_contributions": months[pk], "of_months": t["regular_of_months"]}
        if pk in big_top and (n_ideas >= t["big_min_ideas"] or n_comments >= t["big_min_comments"]):
            held.append(BIG_CONTRIBUTOR)
            why[BIG_CONTRIBUTOR] = {"ideas": n_ideas, "comments": n_comments, "score": big_score[pk]}
        if (
            pk in influence_top
            and reach.get(pk, 0) >= t["influencer_min_reach"]
            and reach_entities.get(pk, 0) >= t["influencer_min_entities"]
        ):
            held.append(INFLUENCER)
            why[INFLUENCER] = {
                "influence": round(influence.get(pk, 0), 6),
                "colleagues_reached": reach.get(pk, 0),
                "entities_reached": reach_entities.get(pk, 0),
            }
        helped = authors_helped.get(pk, 0)
        share_others = on_others.get(pk, 0) / n_comments if n_comments else 0.0
        clause_a = (
            helped >= t["facilitator_min_authors"]
            and share_others >= t["facilitator_min_share_others"]
            and helpful.get(pk, 0) >= t["facilitator_min_helpful"]
        )
        if clause_a or pk in helped_top:
            held.append(FACILITATOR)
            why[FACILITATOR] = {
                "authors_helped": helped,
                "share_on_others": round(share_others, 2),
                "helpful_comments": helpful.get(pk, 0),
            }
        if developed.get(pk, 0) >= t["developer_min_ideas"] or revived.get(pk, 0) >= 1:
            held.append(IDEA_DEVELOPER)
            why[IDEA_DEVELOPER] = {
                "ideas_advanced_after_contribution": developed.get(pk, 0),
                "dormant_ideas_revived": revived.get(pk, 0),
            }
        if everyone[pk] and decisions.get(pk, 0):
            held.append(TOP_MANAGER)
            why[TOP_MANAGER] = {"decisions": decisions[pk]}
        if not held:  # contributed in the window, but fits no specific segment yet
            held.append(OCCASIONAL)
            why[OCCASIONAL] = {"ideas": n_ideas, "comments": n_comments, "votes": n_votes}
        result.segments[pk] = held
        result.reasons[pk] = why
        result.influence[pk] = influence.get(pk, 0.0)
    return result


def _contribution_months(*, start: datetime, end: datetime) -> dict[int, int]:
    """Per person, in how many distinct (local) months they posted, commented or voted. One
    query: the three querysets' SQL joined by UNION ALL and counted in the database (fetching
    the distinct (person, month) pairs of each table took 4 s a window at 200,000 employees)."""
    # Months as year * 12 + month: the same local months as TruncMonth, as one integer.
    month_number = ExpressionWrapper(
        ExtractYear("created_at") * 12 + ExtractMonth("created_at"), output_field=IntegerField()
    )
    parts, params = [], []
    for model, who in ((Idea, "author_id"), (Comment, "author_id"), (Vote, "voter_id")):
        queryset = (
            model.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(person=F(who), month=month_number)
            .values_list("person", "month")
            .order_by()  # not the models' default ordering
        )
        sql, part_params = queryset.query.sql_with_params()
        parts.append(sql)
        params.extend(part_params)
    union = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        # The parts are the ORM's own SQL with placeholders; the values are parameters.
        cursor.execute(
            f"SELECT person, COUNT(DISTINCT month) FROM ({union}) AS contributions GROUP BY person",  # noqa: S608  # nosec B608
            params,
        )
        return dict(cursor.fetchall())


def _revivals(window: Window, t: dict) -> dict[int, int]:
    """Comments that woke a dormant idea: no activity for ``dormant_days`` before, new activity by
    others within ``revival_days`` after. One query of comments (with their idea's author and
    publication), one of votes, then a pass per idea."""
    horizon = window.start - timedelta(days=t["dormant_days"])
    events = defaultdict(list)  # idea -> [(time, actor, is_comment)]
    published: dict[int, object] = {}
    owners: dict[int, int] = {}
    comments = Comment.objects.filter(
        created_at__gte=horizon, created_at__lt=window.end, deleted_at__isnull=True
    )
    for idea_id, author, at, owner, published_at in comments.values_list(
        "idea_id", "author_id", "created_at", "idea__author_id", "idea__published_at"
    ):
        events[idea_id].append((at, author, True))
        owners[idea_id] = owner
        published[idea_id] = published_at
    # Votes of the same period on the ideas commented on: a semi-join in SQL (no IN list of
    # every idea id, and not every vote of the period brought over to be dropped here).
    for idea_id, voter, at in Vote.objects.filter(
        created_at__gte=horizon, created_at__lt=window.end, idea_id__in=comments.values("idea_id")
    ).values_list("idea_id", "voter_id", "created_at"):
        events[idea_id].append((at, voter, False))
    dormant, revival = timedelta(days=t["dormant_days"]), timedelta(days=t["revival_days"])
    counts: dict[int, int] = defaultdict(int)
    for idea_id, items in events.items():
        items.sort(key=lambda e: e[0])
        times = None
        for i, (at, actor, is_comment) in enumerate(items):
            if not is_comment or at < window.start or actor == owners.get(idea_id):
                continue
            previous = items[i - 1][0] if i else published.get(idea_id)
            if previous is None or at - previous < dormant:
                continue
            if times is None:
                times = np.array([e[0].timestamp() for e in items])
            later = items[i + 1 : int(np.searchsorted(times, (at + revival).timestamp(), side="right"))]
            if any(other != actor for _t, other, _c in later):
                counts[actor] += 1
    return counts
