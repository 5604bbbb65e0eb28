"""Which product events earn which points (DESIGN.md section 5). Called by the ideas and moderation
services; every award goes through gamification.services.award."""

from __future__ import annotations

from django.db import transaction

from config.tasks import delay_or_run
from gamification.services import award, reverse, reverse_for_idea, vote_pair_allowed


def _badges_later(*user_ids: int) -> None:
    """Badges that these people may have just earned are computed after commit, by a task."""
    ids = sorted({pk for pk in user_ids if pk})
    if not ids:
        return
    from gamification.tasks import badges_for_users

    transaction.on_commit(lambda: delay_or_run(badges_for_users, ids))


def on_idea_state(*, idea, to_state: str) -> None:
    from ideas.models import IdeaState

    if to_state == IdeaState.PUBLISHED:
        award(user_id=idea.author_id, rule="idea_published", object_key=f"idea:{idea.pk}", idea_id=idea.pk)
    elif to_state == IdeaState.SHORTLISTED:
        award(user_id=idea.author_id, rule="idea_shortlisted", object_key=f"idea:{idea.pk}", idea_id=idea.pk)
    elif to_state in (IdeaState.PROJECT, IdeaState.PILOT):
        for user_id in _authors(idea):
            award(user_id=user_id, rule="idea_project", object_key=f"idea:{idea.pk}", idea_id=idea.pk)
    elif to_state == IdeaState.DEPLOYED:
        authors = _authors(idea)
        share = max(100 // len(authors), 1)
        for user_id in authors:
            award(
                user_id=user_id,
                rule="idea_deployed",
                object_key=f"idea:{idea.pk}",
                idea_id=idea.pk,
                points=share,
            )
        for comment in idea.comments.filter(helpful_at__isnull=False, deleted_at__isnull=True):
            award(
                user_id=comment.author_id,
                rule="deployed_helpful",
                object_key=f"comment:{comment.pk}",
                idea_id=idea.pk,
            )
    elif to_state in (IdeaState.REJECTED,):
        reverse_for_idea(idea_id=idea.pk)
    _badges_later(*_authors(idea))


def _authors(idea) -> list[int]:
    return [idea.author_id, *idea.co_authors.values_list("pk", flat=True)]


def on_comment_created(*, comment) -> None:
    if comment.author_id in (comment.idea.author_id,):
        return  # commenting on one's own idea earns nothing
    award(
        user_id=comment.author_id, rule="comment", object_key=f"comment:{comment.pk}", idea_id=comment.idea_id
    )
    _badges_later(comment.author_id)


def on_comment_deleted(*, comment) -> None:
    for rule in ("comment", "comment_helpful", "deployed_helpful"):
        reverse(user_id=comment.author_id, rule=rule, object_key=f"comment:{comment.pk}")


def on_comment_helpful(*, comment, helpful: bool) -> None:
    key = f"comment:{comment.pk}"
    if helpful:
        award(user_id=comment.author_id, rule="comment_helpful", object_key=key, idea_id=comment.idea_id)
    else:
        reverse(user_id=comment.author_id, rule="comment_helpful", object_key=key)
    _badges_later(comment.author_id)


def on_vote_cast(*, idea, voter_id: int) -> None:
    award(user_id=voter_id, rule="vote_given", object_key=f"idea:{idea.pk}", idea_id=idea.pk)
    if vote_pair_allowed(author_id=idea.author_id, voter_id=voter_id):
        award(
            user_id=idea.author_id,
            rule="vote_received",
            object_key=f"idea:{idea.pk}:voter:{voter_id}",
            idea_id=idea.pk,
        )
    _badges_later(voter_id, idea.author_id)


def on_vote_withdrawn(*, idea, voter_id: int) -> None:
    reverse(user_id=voter_id, rule="vote_given", object_key=f"idea:{idea.pk}")
    reverse(user_id=idea.author_id, rule="vote_received", object_key=f"idea:{idea.pk}:voter:{voter_id}")
