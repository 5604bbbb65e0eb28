"""A small world for permission tests: Alice's ideas in every state that matters, with comments,
attachments, a merge, an expert assignment, reports and notifications. Built through the services,
as people would, on top of the `org` cast of tests/conftest.py."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from accounts.email import unsubscribe_token
from accounts.models import Notification
from analytics.models import SegmentSnapshot
from ideas import services
from ideas.attachments import attachment_create
from ideas.models import Attachment, Comment, Idea, IdeaState
from moderation import services as moderation
from moderation.models import MergeRecord
from moderation.routing import assign
from moderation.workflow import transition
from tests import factories as f
from tests.helpers import draft

S = IdeaState

# The roles of the matrix, and who plays them in the cast (None: not signed in).
ROLES = {
    "anonymous": None,
    "employee": "colin",
    "author": "alice",
    "co_author": "cora",
    "manager": "bob",
    "correspondent": "chloe",
    "other_correspondent": "oscar",
    "expert": "xavier",
    "community_manager": "camille",
    "executive": "eve",
    "admin": "ada",
}
# Played on the admin pages only: a staff member without any permission (IT support, say), the one
# person the admin site lets in whom the model permissions must still refuse. Nobody of ROLES is
# staff but Ada, a superuser.
ADMIN_ONLY_ROLES = {"staff": "sid"}


def png_upload(name="chart.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#1f5fbf").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class World:
    org: object
    draft: Idea = None
    submitted: Idea = None
    published: Idea = None
    popular: Idea = None
    shortlisted: Idea = None
    in_analysis: Idea = None
    merged: Idea = None
    merge: MergeRecord = None
    alice_comment: Comment = None
    colin_comment: Comment = None
    reported_comment: Comment = None
    attachment: Attachment = None
    draft_attachment: Attachment = None
    orphan_attachment: Attachment = None
    campaign: object = None
    alice_notification: Notification = None
    unsubscribe_token: str = ""
    extra: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)  # role -> signed-in test client (matrix.sign_in_everyone)

    def user(self, role: str):
        cast_name = ROLES[role] if role in ROLES else ADMIN_ONLY_ROLES[role]
        return getattr(self.org, cast_name) if cast_name else None


def _idea(org, title, **kw):
    return draft(
        org.alice, org.theme, title=title, body=f"{title}: the details.", co_authors=[org.cora], **kw
    )


def _submit(org, idea):
    services.idea_submit(idea=idea, actor=org.alice)
    assign(idea=idea, correspondent=org.chloe, reason="test world")  # routing would pick her anyway
    idea.refresh_from_db()
    return idea


def _publish(org, idea):
    _submit(org, idea)
    transition(idea=idea, actor=org.chloe, to_state=S.PUBLISHED)
    idea.refresh_from_db()
    return idea


def build_world(org) -> World:
    w = World(org=org)
    org.sid = f.UserFactory(email="sid@example.com", display_name="Sid", entity=org.group, is_staff=True)
    w.campaign = f.CampaignFactory(title="Less paper", slug="less-paper", theme=org.theme)
    w.draft = _idea(org, "Draft: a shared drive for templates")
    w.draft_attachment = attachment_create(uploaded_file=png_upload("draft.png"), user=org.alice)
    w.draft_attachment.idea = w.draft
    w.draft_attachment.save(update_fields=["idea"])
    w.orphan_attachment = attachment_create(uploaded_file=png_upload("orphan.png"), user=org.alice)

    w.submitted = _submit(org, _idea(org, "Submitted: badge readers at the side door"))
    w.published = _publish(org, _idea(org, "Published: print double-sided by default"))
    w.attachment = attachment_create(uploaded_file=png_upload(), user=org.alice)
    w.attachment.idea = w.published
    w.attachment.save(update_fields=["idea"])
    w.alice_comment = services.comment_create(idea=w.published, author=org.alice, body="Details inside.")
    w.colin_comment = services.comment_create(idea=w.published, author=org.colin, body="Good one.")
    w.reported_comment = services.comment_create(idea=w.published, author=org.oscar, body="Spam spam.")
    moderation.report_create(reporter=org.eve, reason="spam", comment=w.reported_comment)

    w.popular = _publish(org, _idea(org, "Popular: a bike shed by the car park"))
    for role in ROLES:
        person = w.user(role)
        if person is None:
            continue
        if role not in ("author", "co_author"):
            services.vote_cast(idea=w.popular, voter=person)
        services.follow_set(idea=w.popular, user=person, following=True)

    w.shortlisted = _publish(org, _idea(org, "Shortlisted: one meeting-free day a week"))
    transition(idea=w.shortlisted, actor=org.chloe, to_state=S.SHORTLISTED)
    w.in_analysis = _publish(org, _idea(org, "In analysis: reusable cups in the canteen"))
    transition(idea=w.in_analysis, actor=org.chloe, to_state=S.SHORTLISTED)
    moderation.experts_assign(idea=w.in_analysis, actor=org.chloe, experts=[org.xavier])
    for idea in (w.shortlisted, w.in_analysis):
        idea.refresh_from_db()

    w.merged = _submit(org, _idea(org, "Merged: print on both sides"))
    w.merge = moderation.idea_merge(source=w.merged, target=w.published, actor=org.chloe)
    w.merged.refresh_from_db()
    w.published.refresh_from_db()

    now = timezone.now()
    for role in ROLES:
        person = w.user(role)
        if person is not None:
            Notification.objects.create(
                recipient=person, kind="welcome", event_key=f"world:{person.pk}", text="Welcome", url="/"
            )
    w.alice_notification = Notification.objects.get(recipient=org.alice, event_key=f"world:{org.alice.pk}")
    w.unsubscribe_token = unsubscribe_token(user_id=org.alice.pk, kind="comment")
    SegmentSnapshot.objects.create(
        user=org.colin, month=now.date().replace(day=1), segments=["passive"], reasons={"passive": {}}
    )
    Token.objects.create(user=org.colin)
    Client().force_login(org.colin)  # a sign-in, so that axes' access log has a row for its admin
    return w
