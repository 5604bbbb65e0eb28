"""Reads on ideas. Every page, API endpoint and socket that shows an idea goes through
``ideas_visible_to`` / ``idea_get_for_user``: nobody sees another's draft, or a submitted idea
they do not handle."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.compiled import compiled_query
from ideas.models import (
    OPEN_STATES,
    PUBLIC_STATES,
    Attachment,
    Campaign,
    Comment,
    Follow,
    Idea,
    IdeaState,
    Vote,
)

S = IdeaState
CoAuthor = Idea.co_authors.through


def _visibility_of(user_id: int, is_community_manager: bool, is_correspondent: bool) -> Q:
    rule = Q(state__in=PUBLIC_STATES, is_hidden=False)
    rule |= Q(author_id=user_id)
    rule |= Q(pk__in=CoAuthor.objects.filter(user_id=user_id).values("idea_id"))
    rule |= Q(assignee_id=user_id) & ~Q(state=S.DRAFT)
    if is_community_manager:
        rule |= ~Q(state=S.DRAFT)
    elif is_correspondent:
        rule |= Q(state__in=PUBLIC_STATES, is_hidden=True)  # the review queue
    return rule


@lru_cache(maxsize=1024)
def _visible_base(user_id: int, is_community_manager: bool, is_correspondent: bool) -> QuerySet[Idea]:
    # Never evaluated itself (only its clones): nothing is cached in it but the filter.
    return Idea.objects.filter(_visibility_of(user_id, is_community_manager, is_correspondent))


class _Viewer:
    """The viewer a compiled builder (config.compiled) sees: an id and roles, nothing else."""

    is_authenticated = True

    def __init__(self, pk: int, is_community_manager: bool, is_correspondent: bool):
        self.pk = pk
        self.is_community_manager = is_community_manager
        self.is_correspondent = is_correspondent


def ideas_visible_to(*, user) -> QuerySet[Idea]:
    """The ideas ``user`` may see. Building the filter (four alternatives and a subquery) took
    0.3 ms, on nearly every page: each process keeps it for the last 1,024 people and roles, and
    hands out copies (a copy takes 5 microseconds)."""
    if not user.is_authenticated:
        return Idea.objects.filter(pk__in=[])
    if isinstance(user, _Viewer):  # compiled once: not worth a place among the people kept
        return Idea.objects.filter(_visibility_of(user.pk, user.is_community_manager, user.is_correspondent))
    return _visible_base(user.pk, user.is_community_manager, user.is_correspondent).all()


def idea_visible_to(*, user, idea_id: int) -> bool:
    return ideas_visible_to(user=user).filter(pk=idea_id).exists()


# What voting reads of the idea (ideas.services.vote_cast and vote_withdraw, the points, the vote box).
VOTE_FIELDS = (
    "title",
    "author",
    "state",
    "is_hidden",
    "version",
    "vote_count",
    "historical_support",
    "domain__shortlist_vote_threshold",
)


def idea_get_for_user(
    *,
    user,
    idea_id: int,
    for_write: bool = False,
    viewer_flags: bool = False,
    only: tuple[str, ...] = (),
) -> Idea:
    """The idea if ``user`` may see it (and edit it, with ``for_write``); 404 otherwise, so that
    the existence of others' drafts does not leak."""
    viewer_flags = viewer_flags and user.is_authenticated
    if user.is_authenticated:  # compiled once per process and shape (see config.compiled)
        shape = (user.is_community_manager, user.is_correspondent, viewer_flags, only)
        idea = _idea_for_user.first(shape, user_id=user.pk, idea_id=idea_id)
    else:
        idea = None  # an anonymous visitor sees no idea (ideas_visible_to)
    if idea is None:
        raise Http404(_("No such idea, or you cannot see it."))
    if viewer_flags:
        idea.__dict__["_co_author_of"] = {user.pk: idea.viewer_co_author}  # read by is_author
    if for_write and not can_edit(user=user, idea=idea):
        raise Http404(_("No such idea, or you cannot edit it."))
    return idea


@compiled_query
def _idea_for_user(is_community_manager, is_correspondent, viewer_flags, only, *, user_id, idea_id):
    queryset = ideas_visible_to(user=_Viewer(user_id, is_community_manager, is_correspondent))
    # Four relations joined, the rarer ones (target entity, assignee, merged into) read when used:
    # Postgres' planning time grows fast with the joins (2.8 ms at six, 8 ms at eight, against
    # 0.4 ms of execution), on every page, vote and comment.
    if only:  # a vote: no join but the domain (its shortlist threshold)
        queryset = queryset.select_related("domain").only(*only)
    else:
        queryset = queryset.select_related("author__entity", "theme", "domain", "campaign")
    if viewer_flags:  # ``voted``, ``followed``, co-authorship: one query
        # The idea page shows the target entity (every idea has one in the demo): joined, where
        # reading it apart was a query of its own on every view.
        queryset = queryset.select_related("target_entity").annotate(
            **_viewer_flags(user_id),
            viewer_co_author=Exists(CoAuthor.objects.filter(idea_id=OuterRef("pk"), user_id=user_id)),
            # Most ideas have neither: the page reads them only when there are some.
            has_attachments=Exists(Attachment.objects.filter(idea_id=OuterRef("pk"))),
            has_tags=Exists(Idea.tags.through.objects.filter(idea_id=OuterRef("pk"))),
        )
    return queryset.filter(pk=idea_id)[:1]


def is_author(*, user, idea: Idea) -> bool:
    """Author or co-author. Remembered on this idea object for this person (the idea page asks
    four times: its buttons, the edit link, the workflow roles, the audit log)."""
    if not user.is_authenticated:
        return False
    if idea.author_id == user.pk:
        return True
    known = idea.__dict__.setdefault("_co_author_of", {})
    if user.pk not in known:
        known[user.pk] = CoAuthor.objects.filter(idea_id=idea.pk, user_id=user.pk).exists()
    return known[user.pk]


def _co_authors_changed(*, instance, **_kwargs) -> None:
    if isinstance(instance, Idea):
        instance.__dict__.pop("_co_author_of", None)


m2m_changed.connect(_co_authors_changed, sender=CoAuthor, dispatch_uid="ideas.co_author_memo")


def can_edit(*, user, idea: Idea) -> bool:
    return idea.state in (S.DRAFT, S.CHANGES_REQUESTED) and is_author(user=user, idea=idea)


def can_see_identity(*, user, idea: Idea) -> bool:
    """Anonymity: only the author (and co-authors) and the correspondent handling it see who wrote it."""
    if not idea.is_anonymous:
        return True
    return user.is_authenticated and (idea.author_id == user.pk or idea.assignee_id == user.pk)


def author_label(*, user, idea: Idea) -> str:
    if can_see_identity(user=user, idea=idea):
        return idea.author.display_name
    entity = idea.author_entity or idea.author.entity
    if entity:
        return _("an employee of %(entity)s") % {"entity": entity.name}
    return _("an employee")


def with_viewer_flags(queryset: QuerySet[Idea], *, user) -> QuerySet[Idea]:
    """Adds ``voted`` and ``followed`` for the viewer as subqueries (no N+1)."""
    if not user.is_authenticated:
        return queryset
    return queryset.annotate(**_viewer_flags(user.pk))


def _viewer_flags(user_id: int) -> dict:
    return {
        "voted": Exists(Vote.objects.filter(idea=OuterRef("pk"), voter_id=user_id)),
        "followed": Exists(Follow.objects.filter(idea=OuterRef("pk"), user_id=user_id)),
    }


def for_cards(queryset: QuerySet[Idea], *, user) -> QuerySet[Idea]:
    """What a card shows, joined; no more: Postgres' planning time grows fast with the joins (the
    list's query took 11 ms to plan with six, 4.5 ms with the five below, for 1 ms of execution)."""
    return with_viewer_flags(
        queryset.select_related("author__entity", "author_entity", "theme", "campaign"), user=user
    )


# What a card (ideas/_idea_card.html, its cache key and its author label) reads, and no more: the
# list's query selected about a hundred columns (the body's Markdown, every user column...), and
# compiling, reading and building them was a third of the list page's time in Python.
CARD_FIELDS = (
    "title",
    "state",
    "body_html",
    "is_anonymous",
    "assignee_id",
    "vote_count",
    "historical_support",
    "comment_count",
    "created_at",
    "author__display_name",
    "author__entity__name",
    "author_entity__name",
    "theme__name",
    "campaign__title",
)


def card_columns(queryset: QuerySet[Idea]) -> QuerySet[Idea]:
    """``for_cards`` for pages that show only cards (not the API, whose serializer reads more)."""
    return queryset.only(*CARD_FIELDS)


class IdsFirst:
    """A list of ideas sliced in two steps, for the paginator: the page's ids in order, from the
    ideas table alone, then the cards of those ids (``cards``: joins and flags, read by primary key).

    A search sorts all its matches (2,000 for a common word at 50,000 employees), and joining each
    one to its author, entity and theme before sorting took half of the search's 12 ms. The list
    without a search reads its index in order and stops at the page: it stays one query."""

    def __init__(self, queryset: QuerySet[Idea], *, cards: QuerySet[Idea]):
        self.queryset = queryset
        self.cards = cards
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[Idea]:  # the paginator asks for slices only
        ids = list(self.queryset.values_list("pk", flat=True)[page])
        found = self.cards.in_bulk(ids) if ids else {}
        return [found[pk] for pk in ids if pk in found]


class CompiledList:
    """The idea list (no search) for the paginator, each page read by a query compiled once per
    process and shape (``_listed_cards``): building and compiling the list's query, with its
    joins, flags and visibility rule, cost more CPU than Postgres took to run it."""

    ordered = True

    def __init__(self, *, user, filters: IdeaFilters, per_page: int):
        self.user, self.filters, self.per_page = user, filters, per_page

    def __getitem__(self, page: slice) -> list[Idea]:  # the paginator asks for slices only
        # A page is ``per_page`` rows from its start: the paginator's end of the last page follows
        # the (cached) count, and would give a shape per count.
        user, filters = self.user, self.filters
        filters_shape = filters.shape()
        ids = {name: getattr(filters, name) for name in filters_shape[0]}  # theme, domain, campaign
        shape = (user.is_community_manager, user.is_correspondent, filters_shape, page.start, self.per_page)
        return _listed_cards.fetch(shape, user_id=user.pk, **ids)


@compiled_query
def _listed_cards(is_community_manager, is_correspondent, filters_shape, start, size, *, user_id, **ids):
    _names, entity_path, state, tag, mine, followed, voted, sort = filters_shape
    filters = IdeaFilters(
        **ids,
        entity=bool(entity_path),
        entity_path=entity_path,
        state=state,
        tag=tag,
        mine=mine,
        followed=followed,
        voted=voted,
        sort=sort,
    )
    viewer = _Viewer(user_id, is_community_manager, is_correspondent)
    return card_columns(idea_list(user=viewer, filters=filters))[start : start + size]


def search_page_source(queryset: QuerySet[Idea], *, user) -> IdsFirst:
    """``IdsFirst`` over a search: the cards read by id, without the search's own conditions."""
    return IdsFirst(queryset, cards=card_columns(for_cards(Idea.objects.all(), user=user)))


SORTS = {
    "trending": ["-trending_score", "-created_at", "-id"],
    "newest": ["-created_at", "-id"],
    "supported": ["-vote_count", "-created_at", "-id"],
    "discussed": ["-comment_count", "-created_at", "-id"],
}


@dataclass
class IdeaFilters:
    q: str = ""
    theme: int | None = None
    domain: int | None = None
    entity: int | None = None
    campaign: int | None = None
    state: str = ""
    tag: str = ""
    mine: bool = False
    followed: bool = False
    voted: bool = False
    sort: str = "trending"
    entity_path: str | None = None  # the entity's path, when the caller read the entity already

    def shape(self) -> tuple | None:
        """What changes the list's SQL text, for the compiled list (None: a search, not compiled)."""
        if self.q or (self.entity and self.entity_path is None):
            return None
        ids = tuple(name for name in ("theme", "domain", "campaign") if getattr(self, name))
        return (
            ids,
            self.entity_path if self.entity else None,
            self.state,
            self.tag,
            self.mine,
            self.followed,
            self.voted,
            self.sort,
        )


LISTED_STATES = tuple(state for state in PUBLIC_STATES if state != S.MERGED)


def _narrowed(queryset: QuerySet[Idea], *, user, filters: IdeaFilters) -> QuerySet[Idea]:
    """The list's filters other than state and "mine" (shared by the list and its count)."""
    if filters.theme:
        queryset = queryset.filter(theme_id=filters.theme)
    if filters.domain:
        queryset = queryset.filter(domain_id=filters.domain)
    if filters.entity:
        path = filters.entity_path
        if path is None:
            from accounts.models import Entity

            path = Entity.objects.filter(pk=filters.entity).values_list("path", flat=True).first()
        queryset = queryset.filter(target_entity__path__startswith=path) if path else queryset.none()
    if filters.campaign:
        queryset = queryset.filter(campaign_id=filters.campaign)
    if filters.tag:
        queryset = queryset.filter(tags__slug=filters.tag)
    if filters.followed:
        queryset = queryset.filter(pk__in=Follow.objects.filter(user_id=user.pk).values("idea_id"))
    if filters.voted:
        queryset = queryset.filter(pk__in=Vote.objects.filter(voter_id=user.pk).values("idea_id"))
    if filters.q:
        queryset = search(queryset, filters.q)
    return queryset


def idea_list(*, user, filters: IdeaFilters) -> QuerySet[Idea]:
    queryset = ideas_visible_to(user=user)
    if not (filters.mine or filters.state):
        queryset = queryset.filter(state__in=PUBLIC_STATES).exclude(state=S.MERGED)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.mine:
        queryset = queryset.filter(
            Q(author_id=user.pk) | Q(pk__in=CoAuthor.objects.filter(user_id=user.pk).values("idea_id"))
        )
    queryset = _narrowed(queryset, user=user, filters=filters)
    return for_cards(queryset, user=user).order_by(*SORTS.get(filters.sort, SORTS["trending"]))


def idea_list_count(*, user, filters: IdeaFilters) -> int:
    """How many ideas ``idea_list`` holds, without reading every visible idea's row.

    The usual list (no state, not "mine") is every listed idea that is not hidden, which everybody
    sees, plus the hidden ones this person may see. Counted apart, the first part is read from a
    partial index and the second from a tiny one; counted as one OR, Postgres reads the whole
    table (about 100 MB at 40,000 ideas: bench/)."""
    if filters.mine or filters.state or not user.is_authenticated:
        return idea_list(user=user, filters=filters).count()

    def listed():
        return _narrowed(
            Idea.objects.filter(state__in=LISTED_STATES, is_hidden=False), user=user, filters=filters
        ).count()

    def hidden():
        return _narrowed(
            ideas_visible_to(user=user).filter(state__in=LISTED_STATES, is_hidden=True),
            user=user,
            filters=filters,
        ).count()

    if filters.followed or filters.voted:
        return listed() + hidden()
    from ideas.fragments import listed_counts

    # Both parts cached by version (ideas/fragments.py): the listed part is the same for everybody,
    # the hidden part depends on the person and their roles.
    shown = (filters.q, filters.theme, filters.domain, filters.entity, filters.campaign, filters.tag)
    person = (user.pk, user.is_community_manager, user.is_correspondent)
    return sum(listed_counts(shown, {"listed": listed, ("hidden", *person): hidden}))


# --- Search ---------------------------------------------------------------------------------
WORD_RE = re.compile(r"\w{3,}", re.UNICODE)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search(queryset: QuerySet[Idea], text: str) -> QuerySet[Idea]:
    """Full-text search of ideas and their comments: Postgres tsvector (French and English) with GIN
    indexes; on SQLite, every significant word must appear in the title, body or a comment."""
    text = text.strip()[:200]
    if not text:
        return queryset
    if _is_postgres():
        # The ids of both GIN lookups, ideas and comments, as one array computed once (rather than
        # "match OR id IN comments"), so that Postgres reads both indexes instead of scanning every
        # idea (tests/ideas/test_explain.py), then fetches the matches by primary key. As an
        # "IN (subquery)" it became a semi-join walking the list in trending order and comparing
        # each idea with every match: 67 ms for a common word at 50,000 employees, 30 ms now.
        where = (
            "ideas_idea.id = ANY(ARRAY(SELECT i.id FROM ideas_idea i WHERE i.search_document @@ "
            "(websearch_to_tsquery('french', %s) || websearch_to_tsquery('english', %s)) "
            "UNION SELECT c.idea_id FROM ideas_comment c "
            "WHERE c.deleted_at IS NULL AND NOT c.is_hidden AND c.search_document @@ "
            "(websearch_to_tsquery('french', %s) || websearch_to_tsquery('english', %s))))"
        )
        # Parameters are bound by the driver; extra() is needed for the generated tsvector column.
        return queryset.extra(where=[where], params=[text, text, text, text])  # noqa: S610  # nosec B610
    words = WORD_RE.findall(text.lower())[:8] or [text.lower()]
    for word in words:
        in_comments = Comment.objects.filter(body__icontains=word, deleted_at__isnull=True, is_hidden=False)
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(body__icontains=word) | Q(pk__in=in_comments.values("idea_id"))
        )
    return queryset


def _similar_postgres(queryset: QuerySet[Idea], *, title: str, limit: int) -> list[Idea]:
    """Titles nearest by trigram distance first, read in that order from the GiST index (``<->``
    with LIMIT stops after a few rows, where ranking every title above the threshold of ``%`` took
    60 ms at 50,000 employees: generated titles share many trigrams). Full-text hits on the title
    and body (ideas that share words but not letters) fill the places left."""
    from django.contrib.postgres.search import TrigramDistance

    fields = ("id", "title", "state", "vote_count")
    near = list(
        queryset.filter(title__trigram_similar=title)
        .annotate(distance=TrigramDistance("title", title))
        .order_by("distance")
        .only(*fields)[: limit * 2]
    )
    # Equal distances: the better supported idea first (sorted here: a second key in ORDER BY
    # would keep Postgres from reading the index in distance order).
    near.sort(key=lambda idea: (round(idea.distance, 6), -idea.vote_count))
    found = near[:limit]
    if len(found) < limit:
        # Parameters are bound by the driver; extra() reaches the generated search column.
        words = queryset.exclude(pk__in=[idea.pk for idea in found]).extra(  # noqa: S610  # nosec B610
            where=[
                "ideas_idea.search_document @@ "
                "(plainto_tsquery('french', %s) || plainto_tsquery('english', %s))"
            ],
            params=[title, title],
        )
        found += list(words.order_by("-vote_count", "-id").only(*fields)[: limit - len(found)])
    return found


def similar_ideas(*, user, title: str, exclude_id: int | None = None, limit: int = 5) -> list[Idea]:
    """Up to ``limit`` visible ideas that look like ``title`` (trigram similarity and full text on
    Postgres; shared significant words on SQLite)."""
    title = title.strip()[:200]
    if len(title) < 4:
        return []
    queryset = ideas_visible_to(user=user).filter(state__in=PUBLIC_STATES).exclude(state=S.MERGED)
    if exclude_id:
        queryset = queryset.exclude(pk=exclude_id)
    if _is_postgres():
        return _similar_postgres(queryset, title=title, limit=limit)
    words = sorted(set(WORD_RE.findall(title.lower())), key=len, reverse=True)[:6]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word[:12])
    candidates = list(queryset.filter(condition).only("id", "title", "state", "vote_count")[:200])
    wanted = set(words)
    candidates.sort(
        key=lambda idea: (-len(wanted & set(WORD_RE.findall(idea.title.lower()))), -idea.vote_count)
    )
    return candidates[:limit]


# --- Pages ------------------------------------------------------------------------------------
def comments_for(*, idea: Idea, user) -> list[Comment]:
    """Top-level comments with their replies, in two queries whatever their number."""
    comments = _idea_comments.fetch((), idea_id=idea.pk)
    can_review = user.is_community_manager or user.is_correspondent
    by_parent: dict[int, list[Comment]] = {}
    top: list[Comment] = []
    for comment in comments:
        comment.shown = not comment.is_hidden or can_review or comment.author_id == user.pk
        comment.reply_list = []
        if comment.parent_id:
            by_parent.setdefault(comment.parent_id, []).append(comment)
        else:
            top.append(comment)
    for comment in top:
        comment.reply_list = by_parent.get(comment.pk, [])
    return top


# What a comment (ideas/_comment.html) shows: the author's name and entity, not their 22 columns.
COMMENT_FIELDS = (
    "idea",
    "author",
    "parent",
    "body",
    "body_html",
    "created_at",
    "edited_at",
    "deleted_at",
    "is_hidden",
    "helpful_at",
    "author__display_name",
    "author__entity__name",
)


@compiled_query
def _idea_comments(*, idea_id):
    return (
        Comment.objects.filter(idea_id=idea_id)
        .select_related("author__entity")
        .only(*COMMENT_FIELDS)
        .order_by("created_at", "id")
    )


def home_sections(*, user) -> dict:
    now = timezone.now()
    roles = (user.is_community_manager, user.is_correspondent)
    return {
        "campaigns": list(
            Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now)
            .order_by("ends_at")
            .only("title", "slug", "ends_at")[:4]
        ),
        "trending": _home_trending.fetch(roles, user_id=user.pk),
        "my_ideas": _home_my_ideas.fetch((), user_id=user.pk),
        "objective": settings.IDEABOX_OBJECTIVE,
    }


@compiled_query
def _home_trending(is_community_manager, is_correspondent, *, user_id):
    viewer = _Viewer(user_id, is_community_manager, is_correspondent)
    visible = ideas_visible_to(user=viewer).filter(state__in=OPEN_STATES)
    return card_columns(for_cards(visible, user=viewer)).order_by(*SORTS["trending"])[:6]


@compiled_query
def _home_my_ideas(*, user_id):
    return (
        Idea.objects.filter(author_id=user_id)
        .exclude(state=S.MERGED)
        .order_by("-updated_at")
        .only("title", "state")[:5]
    )


def person_public_ideas(*, person, viewer) -> list[Idea]:
    queryset = ideas_visible_to(user=viewer).filter(author=person, state__in=PUBLIC_STATES)
    if viewer.pk != person.pk:
        queryset = queryset.filter(is_anonymous=False)
    return list(card_columns(for_cards(queryset, user=viewer)).order_by("-created_at")[:30])


def campaign_ideas(*, campaign: Campaign, user) -> QuerySet[Idea]:
    return card_columns(
        for_cards(
            ideas_visible_to(user=user)
            .filter(campaign=campaign, state__in=PUBLIC_STATES)
            .exclude(state=S.MERGED),
            user=user,
        )
    ).order_by("-vote_count", "-created_at")
