"""Trending: recent votes and comments with time decay, computed in the database.

Weights halve with each age bucket (a day, three days, a week, a month): a stepwise exponential
decay that both SQLite and Postgres compute with plain conditional counts. One UPDATE per run.
"""

from datetime import timedelta

from django.db.models import Count, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ideas.models import Comment, Idea, Vote

BUCKETS = ((1, 8.0), (3, 4.0), (7, 2.0), (30, 1.0))
COMMENT_WEIGHT = 1.5


def _decayed(model, now):
    expression = Value(0.0)
    previous = 0
    for days, weight in BUCKETS:
        bucket = Count(
            "id",
            filter=Q(created_at__gt=now - timedelta(days=days))
            & Q(created_at__lte=now - timedelta(days=previous)),
        )
        expression = expression + bucket * Value(weight)
        previous = days
    return (
        model.objects.filter(idea=OuterRef("pk"), created_at__gt=now - timedelta(days=BUCKETS[-1][0]))
        .values("idea")
        .annotate(score=expression)
        .values("score")
    )


def trending_recompute(*, now=None) -> int:
    now = now or timezone.now()
    horizon = now - timedelta(days=BUCKETS[-1][0])
    votes = Coalesce(Subquery(_decayed(Vote, now), output_field=FloatField()), Value(0.0))
    comments = Coalesce(Subquery(_decayed(Comment, now), output_field=FloatField()), Value(0.0))
    active = Idea.objects.filter(Q(last_activity_at__gt=horizon) | Q(trending_score__gt=0))
    return active.update(trending_score=votes + comments * Value(COMMENT_WEIGHT))
