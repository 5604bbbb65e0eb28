"""Monthly segment snapshots per person, the month-to-month migration matrix and the segment map."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from analytics.models import SegmentSnapshot
from analytics.segments import SEGMENTS, Window, compute_segments, thresholds
from config.bulk import bulk_insert

# The interaction mode advised for animating each segment (DESIGN.md section 6), shown on the
# community dashboard in the reader's language.
INTERACTION_MODES = {
    "inactive": gettext_lazy("one-to-one nudges"),
    "passive": gettext_lazy("one-to-one nudges"),
    "occasional": gettext_lazy("one-to-many announcements"),
    "regular": gettext_lazy("one-to-many announcements"),
    "big_contributor": gettext_lazy("many-to-many debates"),
    "facilitator": gettext_lazy("many-to-many debates"),
    "idea_developer": gettext_lazy("many-to-one idea challenges"),
    "influencer": gettext_lazy("many-to-one idea challenges"),
    "top_manager": gettext_lazy("one-to-many announcements"),
}


def month_starts(*, months: int, now: datetime | None = None) -> list[date]:
    today = timezone.localdate(now or timezone.now())
    first = today.replace(day=1)
    result = []
    for _ in range(months):
        result.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return sorted(result)


def _month_end(month: date, now: datetime) -> datetime:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(datetime.combine(following, datetime.min.time()))
    return min(end, now)


def recompute(
    *, months: int = 12, now: datetime | None = None, days: int | None = None, progress=None
) -> dict:
    """Snapshots of the last ``months`` months before ``now`` (window of ``days`` days, default
    the configured one, ending at each month's end). Idempotent: a second run rewrites the same
    rows. Imported history: ``now`` at its end and ``days`` covering it all."""
    now = now or timezone.now()
    days = days or thresholds()["window_days"]
    written = 0
    for month in month_starts(months=months, now=now):
        result = compute_segments(Window.ending(_month_end(month, now), days))
        rows = [
            (pk, month, held, result.reasons.get(pk, {}), result.influence.get(pk, 0.0), now)
            for pk, held in result.segments.items()
        ]
        with transaction.atomic():
            SegmentSnapshot.objects.filter(month=month).delete()
            _insert(rows)
        written += len(rows)
        if progress:
            progress(1)
    return {"months": months, "rows": written}


SNAPSHOT_COLUMNS = ("user_id", "month", "segments", "reasons", "influence", "computed_at")


def _insert(rows: list[tuple]) -> None:
    """Writes snapshot rows: COPY on Postgres (several times faster than INSERT for the 200,000
    rows of a large organisation), bulk_create elsewhere."""
    bulk_insert(SegmentSnapshot, SNAPSHOT_COLUMNS, rows)


def primary(segments: list[str]) -> str:
    return next((s for s in SEGMENTS if s in segments), segments[0] if segments else "inactive")


def migration_matrix(*, from_month: date, to_month: date) -> dict:
    """How many people moved from each primary segment to each other one between two months."""
    before = {
        pk: primary(s)
        for pk, s in SegmentSnapshot.objects.filter(month=from_month).values_list("user_id", "segments")
    }
    after = {
        pk: primary(s)
        for pk, s in SegmentSnapshot.objects.filter(month=to_month).values_list("user_id", "segments")
    }
    cells = Counter((before[pk], after[pk]) for pk in before.keys() & after.keys())
    order = [s for s in SEGMENTS]
    return {
        "from": str(from_month),
        "to": str(to_month),
        "segments": order,
        "matrix": [[cells.get((a, b), 0) for b in order] for a in order],
    }


def latest_month() -> date | None:
    return SegmentSnapshot.objects.order_by("-month").values_list("month", flat=True).first()


def latest_two_months() -> list[date]:
    """The two most recent snapshotted months (what the migration matrix compares), oldest first;
    imported history is snapshotted in its own months, not in the current ones."""
    months = list(SegmentSnapshot.objects.order_by("-month").values_list("month", flat=True).distinct()[:2])
    return sorted(months) if len(months) == 2 else month_starts(months=2)


def segment_map(*, month: date | None = None) -> list[dict]:
    """Per segment: headcount and median influence, with the advised interaction mode."""
    month = month or latest_month()
    if month is None:
        return []
    influence: dict[str, list[float]] = defaultdict(list)
    for segments, score in SegmentSnapshot.objects.filter(month=month).values_list("segments", "influence"):
        for segment in segments:
            influence[segment].append(score)
    return [
        {
            "segment": s,
            "headcount": len(influence.get(s, [])),
            "median_influence": statistics.median(influence[s]) if influence.get(s) else 0.0,
            "mode": str(INTERACTION_MODES.get(s, "")),  # translated now: the payload is cached as JSON
        }
        for s in SEGMENTS
    ]


def members(*, segment: str, month: date | None = None):
    month = month or latest_month()
    return (
        SegmentSnapshot.objects.filter(month=month, segments__contains=[segment])
        if _json_contains_supported()
        else SegmentSnapshot.objects.filter(month=month, segments__icontains=f'"{segment}"')
    )


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def person_segments(*, user) -> SegmentSnapshot | None:
    return SegmentSnapshot.objects.filter(user=user).order_by("-month").first()
