"""Shortcuts that act through the services, as users would."""

from ideas import services
from ideas.models import IdeaState
from moderation.workflow import transition


def draft(author, theme, title="Print double-sided by default", body="Printers default to one side.", **kw):
    return services.idea_save_draft(author=author, title=title, body=body, theme=theme, **kw)


def submitted(author, theme, **kw):
    idea = draft(author, theme, **kw)
    services.idea_submit(idea=idea, actor=author)
    idea.refresh_from_db()
    return idea


def published(author, theme, **kw):
    idea = submitted(author, theme, **kw)
    transition(idea=idea, actor=idea.assignee, to_state=IdeaState.PUBLISHED)
    idea.refresh_from_db()
    return idea
