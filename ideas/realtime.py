"""The one realtime broadcaster for an idea page: vote counts and new comments, after commit."""

from django.db import transaction

from config.realtime import group_send_safely


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


def broadcast_idea_updated(*, idea_id: int, comment_id: int | None = None) -> None:
    def send():
        from ideas.models import Idea

        counts = (
            Idea.objects.filter(pk=idea_id)
            .values("vote_count", "comment_count", "historical_support")
            .first()
        )
        if counts is None:
            return
        payload = {
            "type": "idea",
            "idea": idea_id,
            "votes": counts["vote_count"] + counts["historical_support"],
            "comments": counts["comment_count"],
        }
        if comment_id:
            payload["comment"] = comment_id
        group_send_safely(idea_group(idea_id), {"type": "idea.update", "payload": payload})

    transaction.on_commit(send)
