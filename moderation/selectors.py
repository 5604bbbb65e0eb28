"""Reads for moderation: what a person may decide on an idea, their queue, the audit log."""

from __future__ import annotations

from django.db.models import Avg, Count, QuerySet

from config.compiled import compiled_query
from ideas.models import Idea, IdeaState
from ideas.selectors import is_author
from moderation import workflow
from moderation.models import ExpertAssessment, MergeRecord, Transition

S = IdeaState

# Scorecard weights (value counts most); cost and risk are scored so that 5 is the good end.
SCORE_WEIGHTS = {"value": 0.4, "feasibility": 0.25, "cost": 0.2, "risk": 0.15}


def audit_visible(*, user, idea: Idea) -> bool:
    return user.is_community_manager or idea.assignee_id == user.pk or is_author(user=user, idea=idea)


def idea_audit_log(*, idea: Idea) -> QuerySet[Transition]:
    return Transition.objects.filter(idea=idea).select_related("actor").order_by("at", "id")


def scorecard(*, idea: Idea) -> dict | None:
    rows = ExpertAssessment.objects.filter(idea=idea, submitted_at__isnull=False)
    figures = rows.aggregate(
        n=Count("id"), value=Avg("value"), cost=Avg("cost"), feasibility=Avg("feasibility"), risk=Avg("risk")
    )
    if not figures["n"]:
        return None
    weighted = sum(figures[name] * weight for name, weight in SCORE_WEIGHTS.items())
    return {**figures, "weighted": round(weighted, 2)}


@compiled_query
def _my_assessment(*, idea_id, user_id):
    return ExpertAssessment.objects.filter(idea_id=idea_id, expert_id=user_id).order_by("pk")[:1]


def idea_moderation_context(*, idea: Idea, user) -> dict:
    targets = workflow.allowed_targets(user=user, idea=idea)
    roles = workflow.roles_for(user=user, idea=idea)
    context = {
        "decisions": [
            {
                "state": state,
                "label": workflow.ACTION_LABELS.get(state, state),
                "reason_required": workflow.TRANSITIONS[(idea.state, state)].reason_required,
            }
            for state in targets
            if state != S.SUBMITTED
        ],
        "can_merge": any(
            rule.via == "merge" and frm == idea.state and rule.roles & roles
            for (frm, _to), rule in workflow.TRANSITIONS.items()
        ),
        "audit_log": list(idea_audit_log(idea=idea)) if audit_visible(user=user, idea=idea) else None,
        "scorecard": scorecard(idea=idea)
        if (user.is_executive or workflow.CORRESPONDENT in roles or user.is_community_manager)
        else None,
        # Anyone may be asked for an assessment: read for every signed-in viewer, compiled once.
        "my_assessment": _my_assessment.first((), idea_id=idea.pk, user_id=user.pk)
        if user.is_authenticated
        else None,
        "is_handler": workflow.CORRESPONDENT in roles,
        "merge_record": MergeRecord.objects.filter(source=idea, undone_at__isnull=True).first()
        if idea.state == S.MERGED and roles & {workflow.CORRESPONDENT, workflow.COMMUNITY_MANAGER}
        else None,
        "merges_in": merges_undoable_into(idea=idea, user=user),
    }
    return context


def may_undo_merge(*, user, record: MergeRecord, source: Idea) -> bool:
    """The rule ``services.merge_undo`` applies (through the workflow table), for the button."""
    rule = workflow.TRANSITIONS.get((S.MERGED, record.source_state))
    return (
        source.state == S.MERGED
        and rule is not None
        and bool(rule.roles & workflow.roles_for(user=user, idea=source))
    )


def merges_undoable_into(*, idea: Idea, user) -> list[MergeRecord]:
    """Merges into ``idea`` not undone yet that ``user`` may undo. The merged idea's page sends
    everyone but its authors here, so this is where a correspondent finds the Undo button."""
    if not (user.is_correspondent or user.is_community_manager):
        return []  # nobody else holds a role that undoes a merge: no query on most pages
    records = MergeRecord.objects.filter(target=idea, undone_at__isnull=True).select_related("source__domain")
    return [
        record
        for record in records.order_by("-at", "-id")
        if may_undo_merge(user=user, record=record, source=record.source)
    ]


def queue_for(*, user) -> QuerySet[Idea]:
    """Ideas assigned to me and waiting for an answer, oldest first."""
    return (
        Idea.objects.filter(assignee=user, state__in=[S.SUBMITTED])
        .select_related("author__entity", "author_entity", "domain", "target_entity")
        .only(*QUEUE_FIELDS)
        .order_by("submitted_at", "id")
    )


# What a row of the queue (moderation/queue.html, its author label and answer clock) reads: the
# query selected about a hundred columns of five tables for thirty rows.
QUEUE_FIELDS = (
    "title",
    "state",
    "is_anonymous",
    "assignee_id",
    "assigned_at",
    "submitted_at",
    "created_at",
    "author__display_name",
    "author__entity__name",
    "author_entity__name",
    "domain__name",
    "domain__sla_days",
    "target_entity__name",
)


def queue_count(user) -> int:
    return Idea.objects.filter(assignee=user, state=S.SUBMITTED).count()


def assessments_pending_count(user) -> int:
    return ExpertAssessment.objects.filter(
        expert=user, submitted_at__isnull=True, idea__state=S.IN_ANALYSIS
    ).count()


def scorecards_for(idea_ids: list[int]) -> dict[int, dict]:
    """Aggregated scorecards of many ideas in one query."""
    rows = (
        ExpertAssessment.objects.filter(idea_id__in=idea_ids, submitted_at__isnull=False)
        .values("idea_id")
        .annotate(
            n=Count("id"),
            value=Avg("value"),
            cost=Avg("cost"),
            feasibility=Avg("feasibility"),
            risk=Avg("risk"),
        )
    )
    result = {}
    for row in rows:
        weighted = sum(row[name] * weight for name, weight in SCORE_WEIGHTS.items())
        result[row["idea_id"]] = {**row, "weighted": round(weighted, 2)}
    return result
