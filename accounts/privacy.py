"""Personal data: a person's export of everything held about them, and their erasure.

Erasure anonymises the person (name, e-mail, profile, logins) and removes what only profiles them
(notifications, preferences, segment snapshots, visits, queued e-mails), but keeps what they gave
their colleagues: ideas, comments and votes stay, attributed to "Former employee", so no one's work
or vote count changes. Both are written to the append-only ``PersonalDataAudit``.
"""

from __future__ import annotations

import re
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    DomainCorrespondent,
    EmailOutbox,
    Notification,
    NotificationPreference,
    PersonalDataAudit,
    User,
)
from accounts.notifications import unread_forget

FORMER_EMPLOYEE = "Former employee"  # stored as is: a name, not an interface string
ERASED_HANDLE = "former-employee"


def _iso(value):
    return value.isoformat() if value else None


def personal_data_export(*, user: User, actor: User | None = None) -> dict:
    """Everything held about ``user`` (and nothing about anyone else), as JSON-ready data.

    Audited: one ``PersonalDataAudit`` export row per call (actor = the person or the admin)."""
    from badgify.models import Award

    from analytics.models import IdeaView, SegmentMessage, SegmentSnapshot, Visit
    from gamification.models import PointEntry
    from ideas.models import Attachment, Comment, Follow, Idea, Vote
    from moderation.models import ContentReport, ExpertAssessment, Transition

    data = {
        "format": "ideabox-personal-data/1",
        "exported_at": _iso(timezone.now()),
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "job_title": user.job_title,
            "site": user.site,
            "language": user.language,
            "entity": str(user.entity) if user.entity_id else None,
            "manager": str(user.manager) if user.manager_id else None,
            "roles": user.roles,
            "hide_from_leaderboards": user.hide_from_leaderboards,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "erased_at": _iso(user.erased_at),
        },
        "correspondent_of": [
            {"domain": m.domain.name, "entity": str(m.entity) if m.entity_id else None, "backup": m.is_backup}
            for m in DomainCorrespondent.objects.filter(user=user).select_related("domain", "entity")
        ],
        "ideas": [
            {
                "id": idea.pk,
                "title": idea.title,
                "body": idea.body,
                "state": idea.state,
                "is_anonymous": idea.is_anonymous,
                "theme": str(idea.theme) if idea.theme_id else None,
                "campaign": str(idea.campaign) if idea.campaign_id else None,
                "estimated_gain": str(idea.estimated_gain) if idea.estimated_gain is not None else None,
                "created_at": _iso(idea.created_at),
                "submitted_at": _iso(idea.submitted_at),
                "published_at": _iso(idea.published_at),
            }
            for idea in Idea.objects.filter(author=user).select_related("theme", "campaign").order_by("id")
        ],
        "co_authored_idea_ids": sorted(user.co_authored_ideas.values_list("id", flat=True)),
        "comments": [
            {
                "id": comment.pk,
                "idea_id": comment.idea_id,
                "parent_id": comment.parent_id,
                "body": comment.body,
                "created_at": _iso(comment.created_at),
                "edited_at": _iso(comment.edited_at),
                "deleted_at": _iso(comment.deleted_at),
                "previous_versions": [r.body for r in comment.revisions.all()],
            }
            for comment in Comment.objects.filter(author=user).prefetch_related("revisions").order_by("id")
        ],
        "votes": [
            {"idea_id": idea_id, "at": _iso(at)}
            for idea_id, at in Vote.objects.filter(voter=user)
            .order_by("id")
            .values_list("idea_id", "created_at")
        ],
        "follows": [
            {"idea_id": idea_id, "at": _iso(at)}
            for idea_id, at in Follow.objects.filter(user=user)
            .order_by("id")
            .values_list("idea_id", "created_at")
        ],
        "attachments": [
            {"name": a.original_name, "type": a.content_type, "size": a.size, "idea_id": a.idea_id}
            for a in Attachment.objects.filter(uploaded_by=user).order_by("id")
        ],
        "points": [
            {
                "rule": e.rule,
                "points": e.points,
                "object": e.object_key,
                "reversal": e.is_reversal,
                "at": _iso(e.created_at),
            }
            for e in PointEntry.objects.filter(user=user).order_by("id")
        ],
        "badges": [
            {"badge": slug, "name": name, "awarded_at": _iso(at)}
            for slug, name, at in Award.objects.filter(user=user)
            .order_by("id")
            .values_list("badge__slug", "badge__name", "awarded_at")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text,
                "url": n.url,
                "at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("id")
        ],
        "notification_preferences": dict(
            NotificationPreference.objects.filter(user=user).values_list("kind", "email")
        ),
        "segment_snapshots": [
            {"month": _iso(s.month), "segments": s.segments, "reasons": s.reasons, "influence": s.influence}
            for s in SegmentSnapshot.objects.filter(user=user).order_by("month")
        ],
        "visits": [
            _iso(day) for day in Visit.objects.filter(user=user).order_by("day").values_list("day", flat=True)
        ],
        "idea_views": [
            {"idea_id": idea_id, "day": _iso(day)}
            for idea_id, day in IdeaView.objects.filter(user=user)
            .order_by("day", "idea_id")
            .values_list("idea_id", "day")
        ],
        "reports_filed": [
            {"idea_id": r.idea_id, "comment_id": r.comment_id, "reason": r.reason, "at": _iso(r.created_at)}
            for r in ContentReport.objects.filter(reporter=user).order_by("id")
        ],
        "expert_assessments": [
            {
                "idea_id": a.idea_id,
                "value": a.value,
                "cost": a.cost,
                "feasibility": a.feasibility,
                "risk": a.risk,
                "comment": a.comment,
                "submitted_at": _iso(a.submitted_at),
            }
            for a in ExpertAssessment.objects.filter(expert=user).order_by("id")
        ],
        "moderation_decisions": [
            {
                "idea_id": t.idea_id,
                "from": t.from_state,
                "to": t.to_state,
                "reason": t.reason,
                "at": _iso(t.at),
            }
            for t in Transition.objects.filter(actor=user).order_by("id")
        ],
        "segment_messages_sent": [
            {"segment": m.segment, "subject": m.subject, "body": m.body, "at": _iso(m.created_at)}
            for m in SegmentMessage.objects.filter(sender=user).order_by("id")
        ],
        "personal_data_events": [
            {"action": a.action, "by_self": a.actor_id == user.pk, "at": _iso(a.at)}
            for a in PersonalDataAudit.objects.filter(subject=user).order_by("at", "id")
        ],
    }
    PersonalDataAudit.objects.create(
        actor=actor or user, subject=user, action=PersonalDataAudit.Action.EXPORT
    )
    return data


def _replace_everywhere(model, fields: list[str], old: str, new: str) -> None:
    """Replaces a name inside stored texts, in SQL (no rows loaded)."""
    for field in fields:
        model.objects.filter(**{f"{field}__contains": old}).update(
            **{field: Replace(field, Value(old), Value(new))}
        )


def _rerender_mentions(*, user: User, handle: str) -> None:
    """Colleagues' ideas and comments that @mentioned the person link to their page with their
    name: the mention becomes "@former-employee" and the HTML is rendered again."""
    from ideas.models import Comment, Idea
    from ideas.rendering import render_markdown

    link = f'href="{reverse("accounts:person", kwargs={"pk": user.pk})}"'
    pattern = re.compile(rf"(?<![\w@/])@{re.escape(handle)}\b", re.IGNORECASE)
    for model in (Idea, Comment):
        for obj in model.objects.filter(body_html__contains=link).only("pk", "body"):
            body = pattern.sub(f"@{ERASED_HANDLE}", obj.body)
            model.objects.filter(pk=obj.pk).update(body=body, body_html=render_markdown(body))


@transaction.atomic
def personal_data_erase(*, user: User, actor: User) -> User:
    """Anonymises ``user`` everywhere; keeps their ideas, comments and votes as "Former employee".

    Idempotent: erasing an erased person changes nothing more (but is audited again).
    Logins end: unusable password, inactive, sessions, API tokens and SSO links removed."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount
    from rest_framework.authtoken.models import Token

    from analytics.models import IdeaView, SegmentSnapshot, Visit

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is None:
        old_name, old_email = user.display_name, user.email
        handle = old_email.split("@")[0]
        _rerender_mentions(user=user, handle=handle)
        if old_name and len(old_name) >= 3 and old_name != FORMER_EMPLOYEE:
            _replace_everywhere(Notification, ["text"], old_name, FORMER_EMPLOYEE)
            _replace_everywhere(EmailOutbox, ["subject", "body_text", "body_html"], old_name, FORMER_EMPLOYEE)
        user.display_name = FORMER_EMPLOYEE
        user.email = f"erased-{user.pk}@erased.invalid"
        user.job_title = ""
        user.site = ""
        user.external_id = None
        user.manager = None
        user.hide_from_leaderboards = True
        user.is_claimed = False
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.is_correspondent = user.is_expert = user.is_community_manager = user.is_executive = False
        user.erased_at = timezone.now()
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        User.objects.filter(manager=user).update(manager=None)
        DomainCorrespondent.objects.filter(user=user).delete()
        Notification.objects.filter(recipient=user).delete()
        unread_forget(user.pk)
        NotificationPreference.objects.filter(user=user).delete()
        EmailOutbox.objects.filter(recipient=user).delete()
        SegmentSnapshot.objects.filter(user=user).delete()
        Visit.objects.filter(user=user).delete()
        IdeaView.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        _end_sessions(user_id=user.pk)
        _forget_login_attempts(email=old_email)
    PersonalDataAudit.objects.create(actor=actor, subject=user, action=PersonalDataAudit.Action.ERASURE)
    return user


def _end_sessions(*, user_id: int) -> None:
    """Database sessions carry the user id only inside their encoded data: decode the live ones.
    Deleted through the session engine, so that a copy in the cache (cached_db) goes too."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            store_class(session_key=session.session_key).delete()


def _forget_login_attempts(*, email: str) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()
