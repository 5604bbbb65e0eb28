"""E-mail delivery: immediate through the outbox, digests grouped by idea, one-click unsubscribe."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.email import deliver, drain, send_digests, unsubscribe_token
from accounts.models import EmailOutbox, Notification, NotificationPreference
from accounts.notifications import notify
from ideas import services
from tests import factories as f
from tests.helpers import published


def test_an_immediate_notification_is_emailed_once_with_unsubscribe_headers(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient_ids=[org.alice.pk],
            kind="mention",
            event_key="mention:test:1",
            text=lambda: "Colin mentioned you",
        )
        notify(
            recipient_ids=[org.alice.pk],
            kind="mention",
            event_key="mention:test:1",
            text=lambda: "Colin mentioned you",
        )
    assert Notification.objects.filter(recipient=org.alice, event_key="mention:test:1").count() == 1
    assert EmailOutbox.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "Colin mentioned you" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/me/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert "/me/unsubscribe/" in message.body
    html = message.alternatives[0][0]
    assert "Open in Ideabox" in html
    row = EmailOutbox.objects.get()
    assert row.status == "sent"
    assert deliver(row.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1


def test_emails_are_in_the_recipients_language(org, django_capture_on_commit_callbacks):
    org.colin.language = "fr"
    org.colin.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_ids=[org.colin.pk], kind="assignment", event_key="a:1", text=lambda: "x")
    assert "Bonjour Colin" in mail.outbox[0].body


def test_unknown_kind_is_logged_not_crashed_on(org, caplog):
    assert notify(recipient_ids=[org.alice.pk], kind="no-such-kind", event_key="k", text=lambda: "x") == 0
    assert "unknown notification kind" in caplog.text


def test_pending_emails_are_drained_once_when_the_broker_was_down(org, monkeypatch):
    from accounts.tasks import send_outbox_email

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(send_outbox_email, "apply_async", broker_down)
    with pytest.MonkeyPatch.context():
        from django.db import transaction

        with transaction.atomic():
            notify(recipient_ids=[org.alice.pk], kind="mention", event_key="m:2", text=lambda: "hello")
    assert EmailOutbox.objects.filter(status="pending").count() == 1
    assert drain(older_than_seconds=0) == 1
    assert drain(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_digest_groups_thirty_events_on_four_ideas_in_one_email(org, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=org.alice, kind="comment", email="daily")
    ideas = [published(org.alice, org.theme, title=f"Digest idea {i}") for i in range(4)]
    people = [f.UserFactory(entity=org.dept_b1, display_name=f"Commenter {i}") for i in range(30)]
    for i, person in enumerate(people):
        services.comment_create(idea=ideas[i % 4], author=person, body=f"Comment number {i}")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests(frequency_name="daily") >= 1  # Alice, and commenters who follow the ideas
        assert send_digests(frequency_name="daily") == 0  # nothing twice
    alice_mail = [m for m in mail.outbox if m.to == ["alice@example.com"]]
    assert len(alice_mail) == 1
    body = alice_mail[0].body
    assert "30 new things" in alice_mail[0].subject
    sections = re.findall(r"== .*?/ideas/(\d+)/", body)
    assert sorted(map(int, sections)) == sorted(i.pk for i in ideas)
    assert body.count("commented on your idea") == 30
    first_section = body.split("== ")[1]
    assert first_section.index("Comment") >= 0
    assert all(n.emailed_at for n in Notification.objects.filter(recipient=org.alice, kind="comment"))


def test_unsubscribe_link_works_without_login_refuses_tampering_and_sticks(org):
    token = unsubscribe_token(user_id=org.alice.pk, kind="comment")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/me/unsubscribe/{token}/")
    assert page.status_code == 200
    assert "Stop receiving" in page.content.decode()
    done = client.post(f"/me/unsubscribe/{token}/")
    assert "no longer receive" in done.content.decode()
    again = client.post(f"/me/unsubscribe/{token}/")
    assert "already unsubscribed" in again.content.decode()
    assert NotificationPreference.objects.get(user=org.alice, kind="comment").email == "never"
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(f"/me/unsubscribe/{tampered}/")
    assert response.status_code == 400
    bob_payload = unsubscribe_token(user_id=org.bob.pk, kind="comment").split(":")[0]
    forged = ":".join([bob_payload, *token.split(":")[1:]])  # Bob's payload under Alice's signature
    assert client.post(f"/me/unsubscribe/{forged}/").status_code == 400
    client.force_login(org.alice)
    settings_page = client.get("/me/notifications/settings/").content.decode()
    assert re.search(r'name="comment">.*?<option value="never" selected', settings_page, re.S)


def test_notification_list_mark_read(org, client):
    notify(recipient_ids=[org.alice.pk], kind="mention", event_key="x:1", text=lambda: "First")
    notify(recipient_ids=[org.alice.pk], kind="mention", event_key="x:2", text=lambda: "Second")
    client.force_login(org.alice)
    page = client.get("/me/notifications/").content.decode()
    assert "First" in page
    assert "Second" in page
    first = Notification.objects.get(event_key="x:1")
    client.post(f"/me/notifications/{first.pk}/read/")
    assert Notification.objects.filter(recipient=org.alice, read_at__isnull=True).count() == 1
    client.post("/me/notifications/read-all/")
    assert Notification.objects.filter(recipient=org.alice, read_at__isnull=True).count() == 0
    other = notify(recipient_ids=[org.bob.pk], kind="mention", event_key="x:3", text=lambda: "Bob's")
    assert other == 1
    bob_note = Notification.objects.get(event_key="x:3")
    assert client.post(f"/me/notifications/{bob_note.pk}/read/").status_code == 404


def test_each_preference_is_a_labelled_field_not_a_table_cell(org, client):
    """In a table the selects were cut off on a phone ("Récapitulat…" for both digests)."""
    client.force_login(org.alice)
    page = client.get("/me/notifications/settings/").content.decode()
    assert "<table" not in page
    fields = re.findall(r'<div class="field"><label for="pref-(\w+)">.*?<select id="pref-\1"', page, re.S)
    assert len(fields) >= 5
