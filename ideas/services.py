"""Writes on ideas: drafts, comments, votes, follows, attachments. State changes go through
moderation.workflow; points through gamification; notifications through accounts.notifications."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Entity, User
from accounts.notifications import notify
from config.rows import add_returning, create_once
from config.tasks import delay_or_run
from gamification import events as points
from ideas.models import (
    OPEN_STATES,
    Attachment,
    Campaign,
    Comment,
    CommentRevision,
    Follow,
    Idea,
    IdeaState,
    Tag,
    Theme,
    Vote,
)
from ideas.realtime import broadcast_idea_updated
from ideas.rendering import mention_handles, render_markdown
from ideas.selectors import is_author

logger = logging.getLogger(__name__)
S = IdeaState

TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 10, 20000
COMMENT_MAX = 5000


# --- Rendering with mentions ------------------------------------------------------------------
def _mentioned_users(source: str) -> dict[str, User]:
    handles = mention_handles(source)
    if not handles:
        return {}
    condition = Q()
    for handle in list(handles)[:20]:
        condition |= Q(email__istartswith=f"{handle}@")
    found = {}
    for user in User.objects.filter(condition, is_active=True).only("id", "email", "display_name"):
        found[user.email.split("@")[0].lower()] = user
    return found


def render_with_mentions(source: str) -> tuple[str, list[User]]:
    users = _mentioned_users(source)
    links = {
        handle: (user.display_name, reverse("accounts:person", kwargs={"pk": user.pk}))
        for handle, user in users.items()
    }
    return render_markdown(source, mention_links=links), list(users.values())


# --- Ideas --------------------------------------------------------------------------------------
def _clean_idea_fields(*, title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    errors = {}
    if len(title) < TITLE_MIN:
        errors["title"] = _("Give your idea a title of at least %(n)d characters.") % {"n": TITLE_MIN}
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is limited to %(n)d characters.") % {"n": TITLE_MAX}
    if len(body) < BODY_MIN:
        errors["body"] = _("Describe your idea in at least %(n)d characters.") % {"n": BODY_MIN}
    elif len(body) > BODY_MAX:
        errors["body"] = _("The description is limited to %(n)d characters.") % {"n": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return title, body


def tags_from_text(text: str) -> list[Tag]:
    tags = []
    for name in {part.strip().lstrip("#")[:50] for part in (text or "").split(",") if part.strip()}:
        slug = slugify(name)[:60]
        if not slug:
            continue
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:
                tag = Tag.objects.get(slug=slug)
        tags.append(tag)
    return tags[:10]


@transaction.atomic
def idea_save_draft(
    *,
    author: User,
    title: str,
    body: str,
    theme: Theme | None,
    idea: Idea | None = None,
    domain=None,
    target_entity: Entity | None = None,
    campaign: Campaign | None = None,
    is_anonymous: bool = False,
    estimated_gain: Decimal | None = None,
    co_authors: Iterable[User] = (),
    tags: Iterable[Tag] = (),
    attachments: Iterable[Attachment] = (),
) -> Idea:
    """Creates a draft, or updates an idea its author may edit (draft or changes requested)."""
    title, body = _clean_idea_fields(title=title, body=body)
    if campaign is not None and not campaign.is_running:
        raise ValidationError({"campaign": _("This campaign is closed.")})
    if (
        campaign is not None
        and campaign.entity_id
        and author.entity_id
        and not author.entity.path.startswith(campaign.entity.path)
    ):
        raise ValidationError(
            {"campaign": _("This campaign is open to %(e)s only.") % {"e": campaign.entity}}
        )
    if idea is None:
        idea = Idea(author=author, author_entity=author.entity, state=S.DRAFT)
    elif idea.state not in (S.DRAFT, S.CHANGES_REQUESTED):
        raise ValidationError(_("This idea can no longer be edited."))
    idea.title = title
    idea.body = body
    idea.body_html, _mentioned = render_with_mentions(body)
    idea.theme = theme
    idea.domain = domain or (theme.domain if theme else None)
    idea.target_entity = target_entity or author.entity
    idea.campaign = campaign
    idea.is_anonymous = is_anonymous
    idea.estimated_gain = estimated_gain
    idea.updated_at = timezone.now()
    idea.full_clean(exclude=["author", "body_html"])
    idea.save()
    idea.co_authors.set([user for user in co_authors if user.pk != author.pk])
    idea.tags.set(list(tags))
    for attachment in attachments:
        if attachment.uploaded_by_id == author.pk and attachment.idea_id in (None, idea.pk):
            Attachment.objects.filter(pk=attachment.pk).update(idea=idea)
    return idea


def idea_submit(*, idea: Idea, actor: User) -> Idea:
    """Sends a draft (or a revised idea) to moderation; routing picks the correspondent."""
    from moderation.workflow import transition

    if not idea.theme_id or not idea.domain_id:
        raise ValidationError({"theme": _("Choose a theme so that the right expert receives your idea.")})
    return transition(idea=idea, actor=actor, to_state=S.SUBMITTED)


@transaction.atomic
def idea_delete_draft(*, idea: Idea, actor: User) -> None:
    if idea.author_id != actor.pk or idea.state != S.DRAFT:
        raise PermissionDenied(_("Only the author can delete a draft."))
    idea.delete()


# --- Comments -------------------------------------------------------------------------------
def _touch(idea_id: int, **counters) -> None:
    updates = {name: F(name) + delta for name, delta in counters.items()}
    Idea.objects.filter(pk=idea_id).update(last_activity_at=timezone.now(), **updates)


def _check_open(idea: Idea) -> None:
    if idea.state not in OPEN_STATES or idea.is_hidden:
        raise ValidationError(_("This idea is not open for discussion and votes."))


@transaction.atomic
def comment_create(*, idea: Idea, author: User, body: str, parent: Comment | None = None) -> Comment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something before sending.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": _("A comment is limited to %(n)d characters.") % {"n": COMMENT_MAX}})
    _check_open(idea)
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise ValidationError({"parent": _("This reply does not belong to this idea.")})
        if parent.parent_id:  # one level of threading: replies to a reply join its thread
            parent = parent.parent
    html, mentioned = render_with_mentions(body)
    comment = Comment.objects.create(idea=idea, author=author, parent=parent, body=body, body_html=html)
    _touch(idea.pk, comment_count=1, trending_score=1.5)
    Follow.objects.bulk_create([Follow(idea=idea, user=author)], ignore_conflicts=True)
    points.on_comment_created(comment=comment)
    _notify_comment(comment=comment, mentioned=mentioned)
    broadcast_idea_updated(idea_id=idea.pk, comment_id=comment.pk)
    return comment


def _notify_comment(*, comment: Comment, mentioned: list[User]) -> None:
    idea = comment.idea
    url = f"{idea.get_absolute_url()}#comment-{comment.pk}"
    who = comment.author.display_name
    title = idea.title
    notified = {comment.author_id}
    for user in mentioned:
        if user.pk in notified:
            continue
        notify(
            recipient_ids=[user.pk],
            kind="mention",
            event_key=f"mention:comment:{comment.pk}",
            text=lambda: _("%(who)s mentioned you on “%(title)s”") % {"who": who, "title": title},
            url=url,
            idea_id=idea.pk,
        )
        notified.add(user.pk)
    if comment.parent_id and comment.parent.author_id not in notified:
        notify(
            recipient_ids=[comment.parent.author_id],
            kind="reply",
            event_key=f"comment:{comment.pk}",
            text=lambda: _("%(who)s replied to your comment on “%(title)s”") % {"who": who, "title": title},
            url=url,
            idea_id=idea.pk,
        )
        notified.add(comment.parent.author_id)
    authors = [idea.author_id, *idea.co_authors.values_list("pk", flat=True)]
    notify(
        recipient_ids=authors,
        kind="comment",
        event_key=f"comment:{comment.pk}",
        text=lambda: _("%(who)s commented on your idea “%(title)s”") % {"who": who, "title": title},
        url=url,
        idea_id=idea.pk,
        exclude_ids=notified,
    )
    notified.update(authors)
    followers = idea.follows.exclude(user_id__in=notified).values_list("user_id", flat=True)
    notify(
        recipient_ids=list(followers),
        kind="comment",
        event_key=f"comment:{comment.pk}",
        text=lambda: _("%(who)s commented on “%(title)s”, an idea you follow") % {"who": who, "title": title},
        url=url,
        idea_id=idea.pk,
    )


@transaction.atomic
def comment_edit(*, comment: Comment, actor: User, body: str) -> Comment:
    if comment.author_id != actor.pk or comment.is_deleted:
        raise PermissionDenied(_("Only its author can edit a comment."))
    body = (body or "").strip()
    if not body or len(body) > COMMENT_MAX:
        raise ValidationError(
            {"body": _("A comment needs between 1 and %(n)d characters.") % {"n": COMMENT_MAX}}
        )
    if body == comment.body:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.body = body
    comment.body_html, _mentioned = render_with_mentions(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> Comment:
    """Soft delete by its author or a community manager: the text goes, the thread stays."""
    if comment.is_deleted:
        return comment
    if comment.author_id != actor.pk and not actor.is_community_manager:
        raise PermissionDenied(_("You cannot delete this comment."))
    CommentRevision.objects.create(comment=comment, body=comment.body)
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now(), body="", body_html="")
    _touch(comment.idea_id, comment_count=-1)
    points.on_comment_deleted(comment=comment)
    broadcast_idea_updated(idea_id=comment.idea_id)
    comment.refresh_from_db()
    return comment


@transaction.atomic
def comment_mark_helpful(*, comment: Comment, actor: User, helpful: bool = True) -> Comment:
    """The idea's author says a comment changed the idea (feeds points and analytics)."""
    idea = comment.idea
    if actor.pk != idea.author_id:
        raise PermissionDenied(_("Only the idea's author can mark a comment as helpful."))
    if comment.author_id == actor.pk:
        raise ValidationError(_("Your own comments cannot be marked helpful."))
    if comment.is_deleted:
        raise ValidationError(_("This comment was deleted."))
    if helpful == (comment.helpful_at is not None):
        return comment
    comment.helpful_at = timezone.now() if helpful else None
    comment.save(update_fields=["helpful_at"])
    points.on_comment_helpful(comment=comment, helpful=helpful)
    return comment


# --- Votes and follows --------------------------------------------------------------------------
def _check_can_vote(*, idea: Idea, voter: User) -> None:
    if is_author(user=voter, idea=idea):
        raise ValidationError(_("You cannot vote for your own idea."))
    _check_open(idea)


def vote_cast(*, idea: Idea, voter: User) -> tuple[Vote | None, bool]:
    """Supports an idea once. Returns (vote, created); a second call changes nothing.

    The unique constraint settles races: of 20 concurrent requests by one person, one inserts.
    """
    _check_can_vote(idea=idea, voter=voter)
    with transaction.atomic():
        # One statement (no savepoint to catch the unique constraint's error): a repeat inserts nothing.
        now = timezone.now()
        vote = create_once(Vote, idea=idea, voter=voter, created_at=now)
        if vote is None:
            idea.refresh_from_db(fields=["vote_count", "historical_support"])
            return Vote.objects.filter(idea=idea, voter=voter).first(), False
        Follow.objects.bulk_create([Follow(idea=idea, user=voter)], ignore_conflicts=True)
        points.on_vote_cast(idea=idea, voter_id=voter.pk)
        # The counter last, read back by the same statement: the idea's row stays locked only until
        # the commit, so that many people voting on one idea at once wait for each other as little
        # as possible (bench/ hot spot).
        counters = add_returning(
            Idea,
            idea.pk,
            add={"vote_count": 1, "trending_score": 2},
            set={"last_activity_at": now},
            returning=["vote_count", "historical_support", "state", "version"],
        )
        for name, value in (counters or {}).items():
            setattr(idea, name, value)
        _after_vote(idea=idea)
        broadcast_idea_updated(idea_id=idea.pk)
    return vote, True


def _after_vote(*, idea: Idea) -> None:
    total = idea.vote_count
    if total in settings.VOTE_MILESTONES:
        authors = [idea.author_id, *idea.co_authors.values_list("pk", flat=True)]
        title = idea.title
        notify(
            recipient_ids=authors,
            kind="vote_milestone",
            event_key=f"milestone:{idea.pk}:{total}",
            text=lambda: _("Your idea “%(title)s” reached %(n)d votes!") % {"title": title, "n": total},
            url=idea.get_absolute_url(),
            idea_id=idea.pk,
        )
    threshold = idea.domain.shortlist_vote_threshold if idea.domain_id else None
    if threshold and total >= threshold and idea.state == S.PUBLISHED:
        from moderation.tasks import shortlist_by_votes

        idea_id = idea.pk
        transaction.on_commit(lambda: delay_or_run(shortlist_by_votes, idea_id))


@transaction.atomic
def vote_withdraw(*, idea: Idea, voter: User) -> bool:
    """Takes the person's support back; the idea's counters are re-read either way."""
    deleted, _detail = Vote.objects.filter(idea=idea, voter=voter).delete()
    if deleted:
        Idea.objects.filter(pk=idea.pk, vote_count__gt=0).update(vote_count=F("vote_count") - 1)
        points.on_vote_withdrawn(idea=idea, voter_id=voter.pk)
        broadcast_idea_updated(idea_id=idea.pk)
    idea.refresh_from_db(fields=["vote_count", "historical_support"])
    return bool(deleted)


@transaction.atomic
def follow_set(*, idea: Idea, user: User, following: bool) -> bool:
    if following:
        created = Follow.objects.bulk_create([Follow(idea=idea, user=user)], ignore_conflicts=True)
        changed = bool(created) and Follow.objects.filter(idea=idea, user=user).exists()
    else:
        changed = Follow.objects.filter(idea=idea, user=user).delete()[0] > 0
    Idea.objects.filter(pk=idea.pk).update(follower_count=Follow.objects.filter(idea=idea).count())
    return changed
