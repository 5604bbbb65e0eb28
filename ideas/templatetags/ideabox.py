from django import template
from django.utils.html import format_html

from ideas.models import IdeaState
from ideas.selectors import author_label

register = template.Library()

STATE_STYLE = {
    IdeaState.DRAFT: "muted",
    IdeaState.SUBMITTED: "warn",
    IdeaState.CHANGES_REQUESTED: "warn",
    IdeaState.PUBLISHED: "",
    IdeaState.REJECTED: "danger",
    IdeaState.MERGED: "muted",
    IdeaState.SHORTLISTED: "ok",
    IdeaState.IN_ANALYSIS: "ok",
    IdeaState.PROJECT: "ok",
    IdeaState.PILOT: "ok",
    IdeaState.DEPLOYED: "ok",
    IdeaState.DECLINED: "danger",
    IdeaState.ARCHIVED: "muted",
}


@register.simple_tag
def state_badge(state: str):
    style = STATE_STYLE.get(state, "")
    label = IdeaState(state).label if state in IdeaState.values else state
    return format_html('<span class="badge{}">{}</span>', f" badge--{style}" if style else "", label)


@register.simple_tag(takes_context=True)
def idea_author(context, idea):
    return author_label(user=context["request"].user, idea=idea)
