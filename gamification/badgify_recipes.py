"""Badges as django-badgify recipes, computed from the database (DESIGN.md section 5).

Each recipe says which people deserve the badge now, as one set query; awarding is therefore safe
to rerun (idempotent) and concurrent runs cannot award twice (unique (user, badge) in the database).
Badges once earned are kept: a withdrawn vote does not take a badge back (and badgify's own
"unaward" deletes every award of the user, which we never want).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import badgify
from badgify.models import Award, Badge
from badgify.recipe import BaseRecipe
from django.db.models import Count, F, Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from config.bulk import bulk_insert
from ideas.models import PUBLIC_STATES, Comment, Idea, IdeaState, Vote

logger = logging.getLogger(__name__)


class IdeaboxRecipe(BaseRecipe):
    family = ""  # badges with levels share a family (and an image)
    level = None
    rule = ""  # the rule in plain words, shown on the catalogue
    image = None  # images are static files: frontend/static/badges/<family>.svg

    @property
    def badge(self):
        # Not cached on the (process-wide) recipe instance: always the row as it is now.
        return Badge.objects.filter(slug=self.slug).first()

    def candidates(self):
        """The users who deserve the badge (a QuerySet of users)."""
        raise NotImplementedError

    def eligible_ids(self, user_ids=None):
        queryset = self.candidates().filter(is_active=True)
        if user_ids is not None:
            queryset = queryset.filter(pk__in=list(user_ids))
        return queryset.values_list("pk", flat=True)

    @property
    def user_ids(self):
        return self.eligible_ids()

    def get_obsolete_user_ids(self, db_read=None):
        return [], 0

    def award_to(self, user_ids=None) -> list[int]:
        """Awards the badge to whoever deserves it (among ``user_ids`` if given). Returns the ids
        of people who got it just now."""
        badge = self.badge
        if badge is None:
            return []
        deserving = set(self.eligible_ids(user_ids))
        if not deserving:
            return []
        awards = Award.objects.filter(badge=badge)
        if user_ids is not None:  # a few people: look only at theirs
            awards = awards.filter(user_id__in=deserving)
        # Everyone (the nightly run, a seed): the badge's awards, rather than an IN list of all.
        already = set(awards.values_list("user_id", flat=True))
        new_ids = sorted(deserving - already)
        if new_ids:
            rows = [(pk, badge.pk) for pk in new_ids]
            bulk_insert(Award, ("user_id", "badge_id"), rows, ignore_conflicts=True)
        return new_ids


def _published_ideas_at_least(n):
    return User.objects.annotate(
        n=Count("ideas", filter=Q(ideas__state__in=PUBLIC_STATES) & ~Q(ideas__state=IdeaState.MERGED))
    ).filter(n__gte=n)


class FirstIdea(IdeaboxRecipe):
    name = _("First idea")
    slug = "first-idea"
    family = "first-idea"
    description = _("Your first idea was published.")
    rule = _("Have one idea published.")

    def candidates(self):
        return User.objects.filter(
            pk__in=Idea.objects.filter(state__in=PUBLIC_STATES)
            .exclude(state=IdeaState.MERGED)
            .values("author_id")
        )


def _lazy_text(function):
    return lazy(function, str)()


def _levelled(family, levels, name, rule, candidates, rule_for_one=None):
    """One recipe per level. ``rule_for_one`` is the rule's words for level 1 ("Have one idea
    published.", not "Have 1 ideas published.")."""
    recipes = []
    for level in levels:
        level_rule = rule_for_one if level == 1 and rule_for_one is not None else rule
        attrs = {
            # Lazy: translated when shown, in the reader's language, not once at import time.
            "name": _lazy_text(lambda level=level: f"{name} {level}"),
            "slug": f"{family}-{level}",
            "family": family,
            "level": level,
            "description": _lazy_text(lambda level=level, level_rule=level_rule: level_rule % {"n": level}),
            "rule": _lazy_text(lambda level=level, level_rule=level_rule: level_rule % {"n": level}),
            "candidates": (lambda self, level=level: candidates(level)),
        }
        recipes.append(type(f"{family.title().replace('-', '')}{level}", (IdeaboxRecipe,), attrs))
    return recipes


ProlificAuthor = _levelled(
    "prolific-author",
    (1, 5, 10, 30),
    _("Prolific author"),
    _("Have %(n)d ideas published."),
    _published_ideas_at_least,
    rule_for_one=_("Have one idea published."),
)
Commentator = _levelled(
    "commentator",
    (5, 25, 100),
    _("Commentator"),
    _("Write %(n)d comments."),
    lambda n: User.objects.annotate(n=Count("comments", filter=Q(comments__deleted_at__isnull=True))).filter(
        n__gte=n
    ),
)
Supporter = _levelled(
    "supporter",
    (10, 50, 200),
    _("Supporter"),
    _("Support %(n)d ideas of colleagues."),
    lambda n: User.objects.annotate(n=Count("votes")).filter(n__gte=n),
)


class CrowdFavourite(IdeaboxRecipe):
    name = _("Crowd favourite")
    slug = "crowd-favourite"
    family = "crowd-favourite"
    description = rule = _("Have an idea supported by 25 colleagues.")

    def candidates(self):
        return User.objects.filter(pk__in=Idea.objects.filter(vote_count__gte=25).values("author_id"))


class BridgeBuilder(IdeaboxRecipe):
    name = _("Bridge builder")
    slug = "bridge-builder"
    family = "bridge-builder"
    description = rule = _("Get support from colleagues of 3 other entities.")

    def candidates(self):
        authors = (
            Vote.objects.exclude(voter__entity_id=F("idea__author__entity_id"))
            .filter(voter__entity__isnull=False)
            .values("idea__author_id")
            .annotate(n=Count("voter__entity_id", distinct=True))
            .filter(n__gte=3)
            .values("idea__author_id")
        )
        return User.objects.filter(pk__in=authors)


class Facilitator(IdeaboxRecipe):
    name = _("Facilitator")
    slug = "facilitator"
    family = "facilitator"
    description = rule = _("Have 5 comments marked helpful by the ideas' authors.")

    def candidates(self):
        helpful = (
            Comment.objects.filter(helpful_at__isnull=False, deleted_at__isnull=True)
            .values("author_id")
            .annotate(n=Count("id"))
            .filter(n__gte=5)
            .values("author_id")
        )
        return User.objects.filter(pk__in=helpful)


class Deployed(IdeaboxRecipe):
    name = _("Deployed")
    slug = "deployed"
    family = "deployed"
    description = rule = _("Author or co-author of an idea that was deployed.")

    def candidates(self):
        deployed = Idea.objects.filter(state=IdeaState.DEPLOYED)
        return User.objects.filter(
            Q(pk__in=deployed.values("author_id")) | Q(co_authored_ideas__in=deployed)
        ).distinct()


class EarlyBird(IdeaboxRecipe):
    name = _("Early bird")
    slug = "early-bird"
    family = "early-bird"
    description = rule = _("Support 5 ideas within a day of their publication.")

    def candidates(self):
        early = (
            Vote.objects.filter(
                idea__published_at__isnull=False, created_at__lte=F("idea__published_at") + timedelta(days=1)
            )
            .values("voter_id")
            .annotate(n=Count("id"))
            .filter(n__gte=5)
            .values("voter_id")
        )
        return User.objects.filter(pk__in=early)


ALL_RECIPES = [
    FirstIdea,
    *ProlificAuthor,
    *Commentator,
    *Supporter,
    CrowdFavourite,
    BridgeBuilder,
    Facilitator,
    Deployed,
    EarlyBird,
]
badgify.register(ALL_RECIPES)
