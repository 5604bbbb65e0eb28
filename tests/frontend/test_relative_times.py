"""Comment and notification times read as a time ago ("2 hours ago", "il y a 2 heures"), not a
bare duration ("2 hours", "0 minute")."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Notification, User
from ideas import services
from ideas.models import Comment
from tests.conftest import client_for
from tests.helpers import published


def test_notifications_say_how_long_ago(client, org):
    Notification.objects.create(
        recipient=org.alice,
        kind=Notification.Kind.BADGE,
        event_key="test:badge",
        text="New badge",
        created_at=timezone.now() - timedelta(hours=2),
    )
    client_for(client, org.alice)  # English
    assert "2 hours ago" in client.get("/me/notifications/").content.decode().replace("\xa0", " ")
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    assert "il y a 2" in client.get("/me/notifications/").content.decode().replace("\xa0", " ")


def test_comments_say_how_long_ago(client, org):
    idea = published(org.alice, org.theme, title="Motion sensors for the corridor lights")
    comment = services.comment_create(idea=idea, author=org.colin, body="Yes, and in the stairs too.")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=3))
    client_for(client, org.eve)
    assert "3 hours ago" in client.get(idea.get_absolute_url()).content.decode().replace("\xa0", " ")
