"""Who moderates an idea (DESIGN.md section 4).

The eligible correspondent of the idea's domain with the fewest open assignments wins, those scoped
to the idea's target entity (or an entity above it) first. Never eligible: the author, a co-author,
or anyone in their management chain. Nobody eligible: the domain's community manager, flagged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DomainCorrespondent, User
from accounts.selectors import entity_ancestor_ids, user_management_chain_ids
from ideas.fragments import listed_changed
from ideas.models import Idea
from moderation.models import Assignment


def ineligible_ids(*, idea: Idea) -> set[int]:
    """The author, co-authors and everyone in their management chains."""
    people = [idea.author, *idea.co_authors.all()]
    excluded: set[int] = set()
    for person in people:
        excluded.add(person.pk)
        excluded.update(user_management_chain_ids(user=person))
    return excluded


def _open_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Assignment.objects.filter(correspondent_id__in=user_ids, closed_at__isnull=True)
        .values("correspondent_id")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(user_ids, 0)
    counts.update({row["correspondent_id"]: row["n"] for row in rows})
    return counts


def eligible_correspondents(*, idea: Idea, include_backups: bool = False) -> list[list[int]]:
    """Tiers of eligible correspondent ids, best first: scoped to the target entity, then global,
    then scoped elsewhere, then (optionally) backups."""
    if not idea.domain_id:
        return []
    excluded = ineligible_ids(idea=idea)
    memberships = DomainCorrespondent.objects.filter(domain_id=idea.domain_id, user__is_active=True).exclude(
        user_id__in=excluded
    )
    target_chain = set(entity_ancestor_ids(entity=idea.target_entity)) if idea.target_entity_id else set()
    scoped, global_, elsewhere, backups = set(), set(), set(), set()
    for membership in memberships.values("user_id", "entity_id", "is_backup"):
        if membership["is_backup"]:
            backups.add(membership["user_id"])
        elif membership["entity_id"] is None:
            global_.add(membership["user_id"])
        elif membership["entity_id"] in target_chain:
            scoped.add(membership["user_id"])
        else:
            elsewhere.add(membership["user_id"])
    tiers = [sorted(scoped), sorted(global_ - scoped), sorted(elsewhere - scoped - global_)]
    if include_backups:
        tiers.append(sorted(backups - scoped - global_ - elsewhere))
    return [tier for tier in tiers if tier]


def choose_correspondent(*, idea: Idea) -> tuple[User | None, bool]:
    """(the chosen person, flagged). Flagged means no eligible correspondent was found."""
    for tier in eligible_correspondents(idea=idea, include_backups=True):
        counts = _open_counts(tier)
        chosen_id = min(tier, key=lambda user_id: (counts[user_id], user_id))
        return User.objects.get(pk=chosen_id), False
    manager = idea.domain.community_manager if idea.domain_id else None
    if manager is not None and manager.pk in ineligible_ids(idea=idea):
        manager = None
    if manager is None:
        manager = (
            User.objects.filter(is_community_manager=True, is_active=True)
            .exclude(pk__in=ineligible_ids(idea=idea))
            .order_by("pk")
            .first()
        )
    return manager, True


@transaction.atomic
def assign(
    *, idea: Idea, correspondent: User | None, flagged: bool = False, reason: str = ""
) -> Assignment | None:
    now = timezone.now()
    Assignment.objects.filter(idea=idea, closed_at__isnull=True).update(closed_at=now)
    Idea.objects.filter(pk=idea.pk).update(
        assignee=correspondent, assigned_at=now if correspondent else None, assignment_flagged=flagged
    )
    idea.assignee, idea.assigned_at, idea.assignment_flagged = correspondent, now, flagged
    if idea.is_hidden:  # handlers see their hidden ideas: the cached counts of them change
        listed_changed()
    if correspondent is None:
        return None
    return Assignment.objects.create(
        idea=idea, correspondent=correspondent, assigned_at=now, flagged=flagged, reason=reason[:200]
    )


def route(*, idea: Idea) -> Assignment | None:
    """Assigns a freshly submitted idea. Keeps the current assignee on a resubmission if still eligible."""
    if idea.assignee_id and idea.assignee_id not in ineligible_ids(idea=idea):
        open_assignment = Assignment.objects.filter(idea=idea, closed_at__isnull=True).first()
        if open_assignment and open_assignment.correspondent_id == idea.assignee_id:
            return open_assignment
    correspondent, flagged = choose_correspondent(idea=idea)
    return assign(idea=idea, correspondent=correspondent, flagged=flagged, reason="routing")


def close_assignment(*, idea: Idea) -> None:
    Assignment.objects.filter(idea=idea, closed_at__isnull=True).update(closed_at=timezone.now())


@transaction.atomic
def reassign(*, idea: Idea, actor: User, to_user: User, reason: str = "") -> Assignment:
    """Hands an idea to another correspondent of its domain (same eligibility rule as routing)."""
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if not (actor.is_community_manager or idea.assignee_id == actor.pk):
        raise PermissionDenied(_("Only the assigned correspondent or a community manager can reassign."))
    if to_user.pk in ineligible_ids(idea=idea):
        raise ValidationError(
            {"to_user": _("This person is the author or in the author's management chain.")}
        )
    is_member = DomainCorrespondent.objects.filter(domain_id=idea.domain_id, user=to_user).exists()
    if not (is_member or to_user.is_community_manager):
        raise ValidationError({"to_user": _("This person is not a correspondent of the idea's domain.")})
    return assign(idea=idea, correspondent=to_user, reason=reason or "reassigned")


def open_assignment_counts(*, domain_id: int) -> dict[int, int]:
    ids = list(
        DomainCorrespondent.objects.filter(domain_id=domain_id, is_backup=False).values_list(
            "user_id", flat=True
        )
    )
    return _open_counts(ids)


__all__ = ["route", "reassign", "assign", "ineligible_ids", "choose_correspondent", "Q"]
