"""The unread count in every page's header is cached, and never stale after a notification is
written, read or erased."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from accounts.notifications import notify, unread_count
from accounts.privacy import personal_data_erase

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit hooks run, as in production


def _notify(org, key):
    return notify(recipient_ids=[org.alice.pk], kind="comment", event_key=key, text=lambda: f"Event {key}")


def test_count_is_cached_and_follows_writes_and_reads(org):
    assert unread_count(org.alice.pk) == 0
    with CaptureQueriesContext(connection) as queries:
        assert unread_count(org.alice.pk) == 0
    assert len(queries) == 0  # from the cache
    _notify(org, "a")
    _notify(org, "b")
    assert unread_count(org.alice.pk) == 2
    alice = Client()
    alice.force_login(org.alice)
    one = Notification.objects.filter(recipient=org.alice).first()
    alice.post(f"/me/notifications/{one.pk}/read/")
    assert unread_count(org.alice.pk) == 1
    alice.post("/me/notifications/read-all/")
    assert unread_count(org.alice.pk) == 0
    _notify(org, "c")
    assert unread_count(org.alice.pk) == 1
    personal_data_erase(user=org.alice, actor=org.ada)
    assert unread_count(org.alice.pk) == 0
