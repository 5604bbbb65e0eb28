"""Reads on people and the organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Entity, User

MAX_CHAIN = 64  # deeper than any real organisation; guards against a cycle in imported data


def user_management_chain_ids(*, user: User) -> list[int]:
    """Ids of the person's manager, the manager's manager, and so on up to the top (cycle-safe)."""
    chain: list[int] = []
    manager_id = user.manager_id
    seen = {user.pk}
    while manager_id and manager_id not in seen and len(chain) < MAX_CHAIN:
        chain.append(manager_id)
        seen.add(manager_id)
        manager_id = User.objects.filter(pk=manager_id).values_list("manager_id", flat=True).first()
    return chain


def entity_subtree(*, entity: Entity) -> QuerySet[Entity]:
    return Entity.objects.filter(path__startswith=entity.path)


def entity_ancestor_ids(*, entity: Entity) -> list[int]:
    """Ids from the root down to the entity itself."""
    return [int(part) for part in entity.path.strip("/").split("/") if part]
