"""The one state machine of an idea (DESIGN.md section 3).

``TRANSITIONS`` is the single table that says who may move an idea from which state to which, and
whether a reason is required. ``transition()`` is the only code that writes ``Idea.state``: pages,
the API, admin actions and Celery jobs all call it. It locks the idea row, checks the expected
version (two correspondents deciding at once: one wins, the other gets ``IdeaMoved``), writes an
append-only audit row and, after commit, notifies and awards points.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideas.models import Idea, IdeaState
from ideas.selectors import is_author as idea_is_author
from moderation.models import Transition

S = IdeaState

# Roles an actor can hold with respect to one idea.
AUTHOR = "author"  # the author or a co-author
CORRESPONDENT = "correspondent"  # the assignee, or a correspondent/backup of the idea's domain (eligible)
COMMUNITY_MANAGER = "community_manager"
EXECUTIVE = "executive"
SYSTEM = "system"  # Celery jobs: vote threshold, archiving


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    reason_required: bool = False
    # Transitions reachable only through a dedicated service (merge, merge undo), not a plain decision.
    via: str | None = None


def _rule(*roles: str, reason: bool = False, via: str | None = None) -> Rule:
    return Rule(frozenset(roles), reason, via)


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.DRAFT, S.SUBMITTED): _rule(AUTHOR),
    (S.CHANGES_REQUESTED, S.SUBMITTED): _rule(AUTHOR),
    (S.SUBMITTED, S.PUBLISHED): _rule(CORRESPONDENT),
    (S.SUBMITTED, S.CHANGES_REQUESTED): _rule(CORRESPONDENT, reason=True),
    (S.SUBMITTED, S.REJECTED): _rule(CORRESPONDENT, reason=True),
    (S.SUBMITTED, S.MERGED): _rule(CORRESPONDENT, via="merge"),
    (S.PUBLISHED, S.MERGED): _rule(CORRESPONDENT, COMMUNITY_MANAGER, via="merge"),
    (S.MERGED, S.SUBMITTED): _rule(CORRESPONDENT, COMMUNITY_MANAGER, via="merge_undo"),
    (S.MERGED, S.PUBLISHED): _rule(CORRESPONDENT, COMMUNITY_MANAGER, via="merge_undo"),
    (S.PUBLISHED, S.SHORTLISTED): _rule(CORRESPONDENT, SYSTEM),
    (S.PUBLISHED, S.ARCHIVED): _rule(SYSTEM),
    (S.ARCHIVED, S.PUBLISHED): _rule(COMMUNITY_MANAGER),
    (S.SHORTLISTED, S.IN_ANALYSIS): _rule(CORRESPONDENT, COMMUNITY_MANAGER),
    (S.IN_ANALYSIS, S.PROJECT): _rule(EXECUTIVE),
    (S.IN_ANALYSIS, S.PILOT): _rule(EXECUTIVE),
    (S.IN_ANALYSIS, S.DEPLOYED): _rule(EXECUTIVE),
    (S.IN_ANALYSIS, S.DECLINED): _rule(EXECUTIVE, reason=True),
    (S.PROJECT, S.PILOT): _rule(EXECUTIVE),
    (S.PROJECT, S.DECLINED): _rule(EXECUTIVE, reason=True),
    (S.PILOT, S.DEPLOYED): _rule(EXECUTIVE),
    (S.PILOT, S.DECLINED): _rule(EXECUTIVE, reason=True),
}

# What the buttons say, per target state.
ACTION_LABELS = {
    S.SUBMITTED: gettext_lazy("Submit"),
    S.PUBLISHED: gettext_lazy("Publish"),
    S.CHANGES_REQUESTED: gettext_lazy("Request changes"),
    S.REJECTED: gettext_lazy("Reject"),
    S.SHORTLISTED: gettext_lazy("Shortlist"),
    S.IN_ANALYSIS: gettext_lazy("Start analysis"),
    S.PROJECT: gettext_lazy("Make it a project"),
    S.PILOT: gettext_lazy("Pilot"),
    S.DEPLOYED: gettext_lazy("Deployed"),
    S.DECLINED: gettext_lazy("Decline"),
    S.ARCHIVED: gettext_lazy("Archive"),
}


class TransitionError(ValidationError):
    """The move is not allowed: wrong state, missing reason."""


class IdeaMoved(TransitionError):
    """Someone else changed the idea since the actor loaded it."""


def roles_for(*, user, idea: Idea) -> set[str]:
    """The workflow roles ``user`` holds on ``idea``. A line manager gets none by being a manager."""
    if user is None:
        return {SYSTEM}
    if not user.is_authenticated or not user.is_active:
        return set()
    roles: set[str] = set()
    is_author = idea_is_author(user=user, idea=idea)
    if is_author:
        roles.add(AUTHOR)
    if user.is_community_manager:
        roles.add(COMMUNITY_MANAGER)
    if user.is_executive:
        roles.add(EXECUTIVE)
    if not is_author and _is_correspondent_for(user=user, idea=idea):
        roles.add(CORRESPONDENT)
    return roles


def _is_correspondent_for(*, user, idea: Idea) -> bool:
    if idea.assignee_id == user.pk:
        return True
    if not user.is_correspondent or not idea.domain_id:
        return False
    from moderation.routing import ineligible_ids

    if user.pk in ineligible_ids(idea=idea):
        return False
    return idea.domain.memberships.filter(user=user).exists()


def allowed_targets(*, user, idea: Idea, include_via: bool = False) -> list[str]:
    """Target states ``user`` may move ``idea`` to now (for buttons; the server re-checks)."""
    roles = roles_for(user=user, idea=idea)
    return [
        to
        for (frm, to), rule in TRANSITIONS.items()
        if frm == idea.state and rule.roles & roles and (include_via or rule.via is None)
    ]


def snapshot_hash(idea: Idea) -> str:
    snapshot = {
        "id": idea.pk,
        "title": idea.title,
        "body": idea.body,
        "state": idea.state,
        "author": idea.author_id,
        "domain": idea.domain_id,
        "theme": idea.theme_id,
        "target_entity": idea.target_entity_id,
        "estimated_gain": str(idea.estimated_gain),
        "realised_gain": str(idea.realised_gain),
        "version": idea.version,
    }
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def check_transition(*, idea: Idea, actor, to_state: str, reason: str = "", via: str | None = None) -> Rule:
    """Raises unless ``actor`` may move ``idea`` (in its current state) to ``to_state``."""
    rule = TRANSITIONS.get((idea.state, to_state))
    if rule is None:
        raise TransitionError(
            _("An idea that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(idea.state).label, "to": S(to_state).label if to_state in S.values else to_state}
        )
    if rule.via != via:
        raise TransitionError(_("This change can only be made through its own form."))
    if not rule.roles & roles_for(user=actor, idea=idea):
        raise PermissionDenied(_("You are not allowed to make this decision on this idea."))
    if rule.reason_required and not reason.strip():
        raise TransitionError({"reason": _("Please give a reason: the author will read it.")})
    return rule


@transaction.atomic
def transition(
    *,
    idea: Idea,
    actor,
    to_state: str,
    reason: str = "",
    expected_version: int | None = None,
    via: str | None = None,
    actor_role: str | None = None,
) -> Idea:
    """Moves ``idea`` to ``to_state`` on behalf of ``actor`` (``None`` for a system job).

    Locks the row (``select_for_update``; a no-op on SQLite, where writes are serialised anyway)
    and refuses with ``IdeaMoved`` when ``expected_version`` no longer matches.
    """
    locked = Idea.objects.select_for_update(of=("self",)).select_related("domain").get(pk=idea.pk)
    if expected_version is not None and locked.version != expected_version:
        raise IdeaMoved(_("This idea has moved since you opened it: reload the page to see its new state."))
    reason = (reason or "").strip()
    check_transition(idea=locked, actor=actor, to_state=to_state, reason=reason, via=via)
    now = timezone.now()
    from_state = locked.state
    updates: dict = {
        "state": to_state,
        "version": F("version") + 1,
        "state_changed_at": now,
        "updated_at": now,
    }
    if reason:
        updates["decision_reason"] = reason
    if to_state == S.SUBMITTED:
        updates["submitted_at"] = now
    if from_state == S.SUBMITTED and locked.first_answered_at is None and to_state != S.SUBMITTED:
        updates["first_answered_at"] = now
    if to_state == S.PUBLISHED and locked.published_at is None:
        updates["published_at"] = now
        updates["last_activity_at"] = now
    Idea.objects.filter(pk=locked.pk).update(**updates)
    locked.refresh_from_db()
    roles = roles_for(user=actor, idea=locked) if actor is not None else {SYSTEM}
    Transition.objects.create(
        idea=locked,
        actor=actor,
        actor_role=actor_role or _primary_role(roles, TRANSITIONS[(from_state, to_state)]),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        at=now,
        snapshot_hash=snapshot_hash(locked),
    )
    from moderation import effects

    effects.after_transition(
        idea=locked, actor=actor, from_state=from_state, to_state=to_state, reason=reason
    )
    idea.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _primary_role(roles: set[str], rule: Rule) -> str:
    for role in (CORRESPONDENT, EXECUTIVE, COMMUNITY_MANAGER, AUTHOR, SYSTEM):
        if role in roles and role in rule.roles:
            return role
    return next(iter(roles), SYSTEM)


# --- Imported history ---------------------------------------------------------------------------
IMPORT_REASON = "imported"
IMPORT_ROLE = "import"
# States an imported idea may arrive in (a merge needs its surviving idea: import a duplicate_of link).
IMPORTABLE_STATES = (
    S.SUBMITTED,
    S.PUBLISHED,
    S.REJECTED,
    S.SHORTLISTED,
    S.IN_ANALYSIS,
    S.PROJECT,
    S.PILOT,
    S.DEPLOYED,
    S.DECLINED,
    S.ARCHIVED,
)
_NOT_PUBLISHED = (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.REJECTED)


@dataclass(frozen=True)
class ImportedState:
    state: str
    created_at: object  # datetime: when the idea was posted on the previous platform
    state_at: object  # datetime: when it reached ``state`` there
    idea_id: int | None = None  # None for a new idea (see import_prepare)


def _import_steps(current: str, item: ImportedState) -> list[tuple[str, str, object]]:
    """The audit steps from ``current`` to the imported state: through "published" (at the idea's
    creation) when the idea became public, then straight to its final state. No intermediate
    decision is invented: the previous platform only tells where the idea ended."""
    to = item.state
    steps: list[tuple[str, str, object]] = []
    state = current
    if to not in _NOT_PUBLISHED and state in _NOT_PUBLISHED:
        steps.append((state, S.PUBLISHED, item.created_at))
        state = S.PUBLISHED
    elif to in (S.REJECTED, S.CHANGES_REQUESTED) and state == S.DRAFT:
        steps.append((state, S.SUBMITTED, item.created_at))
        state = S.SUBMITTED
    if state != to:
        steps.append((state, to, max(item.state_at, item.created_at)))
    return steps


def import_prepare(*, idea: Idea, item: ImportedState) -> list[tuple[str, str, object]]:
    """Puts ``idea`` (a new, unsaved instance or one just loaded) in its imported state and
    returns the audit steps that lead there (to be written by ``import_record`` once the idea has
    an id). New ideas get their state this way, before their bulk insert: one write instead of two."""
    steps = _import_steps(idea.state, item)
    if not steps:
        return []
    for _frm, to, at in steps:
        if to == S.PUBLISHED and idea.published_at is None:
            idea.published_at = at
            idea.first_answered_at = idea.first_answered_at or at
        if to == S.SUBMITTED:
            idea.submitted_at = at
    idea.submitted_at = idea.submitted_at or item.created_at
    idea.state = item.state
    idea.state_changed_at = steps[-1][2]
    idea.version += len(steps)
    return steps


def import_record(*, changes: list[tuple[Idea, list[tuple[str, str, object]]]]) -> int:
    """Writes the append-only audit rows of imported states: no actor, role "import", reason
    "imported". Returns how many rows."""
    audit: list[Transition] = []
    for idea, steps in changes:
        digest = snapshot_hash(idea)
        audit.extend(
            Transition(
                idea_id=idea.pk,
                actor=None,
                actor_role=IMPORT_ROLE,
                from_state=frm,
                to_state=to,
                reason=IMPORT_REASON,
                at=at,
                snapshot_hash=digest,
            )
            for frm, to, at in steps
        )
    Transition.objects.bulk_create(audit, batch_size=2000)
    return len(audit)


def _check_importable(items) -> None:
    bad = {item.state for item in items} - set(IMPORTABLE_STATES)
    if bad:
        raise TransitionError(f"Not an importable state: {', '.join(sorted(bad))}")


def import_states(*, items: list[ImportedState]) -> int:
    """Gives existing (already imported) ideas the state a corrected import file says, with the
    audit rows. The role table does not apply: the decisions were made on the previous platform.
    No notification and no points here: points are rebuilt from the history afterwards
    (gamification.rebuild). Idempotent: an idea already in its imported state is left alone. Runs
    inside the caller's transaction. Returns the number of ideas changed."""
    if not items:
        return 0
    _check_importable(items)
    ideas = Idea.objects.in_bulk([item.idea_id for item in items])
    changes = []
    for item in items:
        idea = ideas[item.idea_id]
        steps = import_prepare(idea=idea, item=item)
        if steps:
            changes.append((idea, steps))
    changed = [idea for idea, _steps in changes]
    Idea.objects.bulk_update(
        changed,
        ["state", "state_changed_at", "published_at", "submitted_at", "first_answered_at", "version"],
        batch_size=500,
    )
    import_record(changes=changes)
    return len(changed)
