"""Running the badge recipes: after the events that can change them (for the people concerned)
and nightly (for everyone). New badges are announced once (notification deduplicated by key)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from badgify import registry
from django.utils.translation import gettext as _

from accounts.notifications import notify

logger = logging.getLogger(__name__)


def recipes():
    from gamification.badgify_recipes import ALL_RECIPES

    return [registry.get_recipe_instance(recipe.slug) for recipe in ALL_RECIPES]


def badges_ensure() -> int:
    """Creates the Badge rows of every recipe (what `badgify_sync badges` does). Returns how many."""
    created = 0
    for recipe in recipes():
        _badge, was_created = recipe.create_badge(update=True)
        created += int(was_created)
    return created


def badges_award(*, user_ids: Iterable[int] | None = None, announce: bool = True) -> dict[str, list[int]]:
    """Awards every badge deserved now (to ``user_ids`` only, if given). A recipe that fails is
    logged and the others still run. ``announce=False`` (badges of imported history) awards
    without notifying. Returns {badge slug: ids newly awarded}."""
    ids = None if user_ids is None else sorted(set(user_ids))
    if ids is not None and not ids:
        return {}
    badges_ensure()
    awarded: dict[str, list[int]] = {}
    for recipe in recipes():
        try:
            new_ids = recipe.award_to(ids)
        except Exception:
            logger.exception("badge recipe %s failed; the other badges go on", recipe.slug)
            continue
        if new_ids:
            awarded[recipe.slug] = new_ids
            if not announce:
                continue
            name = recipe.name
            notify(
                recipient_ids=new_ids,
                kind="badge",
                event_key=f"badge:{recipe.slug}",
                text=lambda name=name: _("New badge: %(name)s!") % {"name": name},
                url="/points/badges/",
            )
    return awarded
