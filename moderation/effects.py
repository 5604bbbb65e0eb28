"""What follows a state change: routing, assignments, notifications, points (inside the transaction;
pushes and e-mails leave after commit)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.notifications import notify
from gamification import events as points
from ideas.models import IdeaState
from moderation import routing

S = IdeaState


def after_transition(*, idea, actor, from_state: str, to_state: str, reason: str) -> None:
    if to_state == S.SUBMITTED:
        assignment = routing.route(idea=idea)
        if assignment is not None:
            notify(
                recipient_ids=[assignment.correspondent_id],
                kind="assignment",
                event_key=f"assign:{idea.pk}:{assignment.pk}",
                text=lambda: _("A new idea is waiting for your answer: “%(title)s”") % {"title": idea.title},
                url=idea.get_absolute_url(),
                idea_id=idea.pk,
            )
    elif from_state == S.SUBMITTED:
        routing.close_assignment(idea=idea)

    points.on_idea_state(idea=idea, to_state=to_state)

    if to_state in (S.SUBMITTED, S.DRAFT):
        return  # the author did it; nobody else needs telling
    state_label = S(to_state).label
    authors = [idea.author_id, *idea.co_authors.values_list("pk", flat=True)]
    followers = (
        list(idea.follows.values_list("user_id", flat=True))
        if to_state not in (S.CHANGES_REQUESTED, S.REJECTED)
        else []
    )

    def text():
        message = _("Your idea “%(title)s” is now: %(state)s.") % {
            "title": idea.title,
            "state": S(to_state).label,
        }
        if reason:
            message += " " + _("Reason: %(reason)s") % {"reason": reason}
        return message

    notify(
        recipient_ids=authors,
        kind="state_change",
        event_key=f"state:{idea.pk}:{idea.version}",
        text=text,
        url=idea.get_absolute_url(),
        idea_id=idea.pk,
        exclude_ids=[actor.pk] if actor else [],
    )
    if followers:
        notify(
            recipient_ids=followers,
            kind="state_change",
            event_key=f"state:{idea.pk}:{idea.version}",
            text=lambda: (
                _("An idea you follow, “%(title)s”, is now: %(state)s.")
                % {"title": idea.title, "state": state_label}
            ),
            url=idea.get_absolute_url(),
            idea_id=idea.pk,
            exclude_ids=[actor.pk, *authors] if actor else authors,
        )
