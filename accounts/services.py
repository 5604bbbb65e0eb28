"""Writes on people and the organisation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Domain, DomainCorrespondent, Entity, User


def _path_for(entity: Entity) -> str:
    parent_path = entity.parent.path if entity.parent_id else "/"
    return f"{parent_path}{entity.pk}/"


@transaction.atomic
def entity_save(*, entity: Entity) -> Entity:
    """Saves an entity and keeps the materialised paths of it and its subtree right.

    Refuses a move that would put an entity below itself.
    """
    if entity.pk and entity.parent_id:
        parent = Entity.objects.get(pk=entity.parent_id)
        if f"/{entity.pk}/" in parent.path:
            raise ValidationError({"parent": _("An entity cannot be placed below itself.")})
    entity.full_clean(exclude=["path"])
    old_path = entity.path
    entity.save()
    new_path = _path_for(entity)
    if new_path != old_path:
        Entity.objects.filter(pk=entity.pk).update(path=new_path)
        entity.path = new_path
        if old_path:
            for child in Entity.objects.filter(path__startswith=old_path).exclude(pk=entity.pk):
                Entity.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])
    return entity


def entity_create(*, name: str, parent: Entity | None = None, kind: str = Entity.Kind.DEPARTMENT) -> Entity:
    return entity_save(entity=Entity(name=name, parent=parent, kind=kind))


def user_set_manager(*, user: User, manager: User | None) -> User:
    """Sets a person's manager, refusing any cycle in the management tree."""
    if manager is not None:
        if manager.pk == user.pk:
            raise ValidationError({"manager": _("A person cannot be their own manager.")})
        from accounts.selectors import user_management_chain_ids

        if user.pk in user_management_chain_ids(user=manager):
            raise ValidationError({"manager": _("This would create a cycle in the management chain.")})
    user.manager = manager
    user.save(update_fields=["manager"])
    return user


def domain_add_correspondent(
    *, domain: Domain, user: User, entity: Entity | None = None, is_backup: bool = False
) -> DomainCorrespondent:
    membership, _created = DomainCorrespondent.objects.update_or_create(
        domain=domain, user=user, entity=entity, defaults={"is_backup": is_backup}
    )
    if not user.is_correspondent:
        user.is_correspondent = True
        user.save(update_fields=["is_correspondent"])
    return membership
