"""Words that are a noun in one place and a verb in another have their own msgid context: the
comment form's button ("Comment", to comment) and the notification kind ("Reply", a reply).
Compared with what gettext answers in French, so these hold before and after the catalogue has
the new entries."""

import re

from django.utils import translation

from accounts.models import Notification, User
from tests.conftest import client_for
from tests.helpers import published


def test_the_comment_button_is_the_verb(client, org):
    idea = published(org.alice, org.theme, title="Bike racks under cover")
    User.objects.filter(pk=org.colin.pk).update(language="fr")
    client_for(client, org.colin)
    page = client.get(idea.get_absolute_url()).content.decode()
    button = re.search(r'<form id="comment-form".*?<button type="submit">(.*?)</button>', page, re.S)
    with translation.override("fr"):
        assert button.group(1).endswith("</svg>" + translation.pgettext("verb", "Comment"))


def test_the_reply_notification_kind_is_the_noun(org):
    with translation.override("fr"):
        assert str(Notification.Kind.REPLY.label) == translation.pgettext("notification kind", "Reply")
    with translation.override("en"):
        assert str(Notification.Kind.REPLY.label) == "Reply"
