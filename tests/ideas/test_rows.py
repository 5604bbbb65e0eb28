"""config.rows: one statement per row written, with the ORM's values on both databases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.rows import add_returning, insert_once
from ideas.models import Follow, Idea, Vote
from tests.helpers import published

pytestmark = pytest.mark.django_db


def test_insert_once_inserts_then_refuses_the_repeat_without_an_error(org, django_assert_num_queries):
    idea = published(org.alice, org.theme)
    at = timezone.now() - timedelta(hours=3)
    with django_assert_num_queries(1):
        first = insert_once(Vote, idea_id=idea.pk, voter_id=org.colin.pk, created_at=at)
    assert Vote.objects.get(pk=first).created_at == at
    with django_assert_num_queries(1):
        assert insert_once(Vote, idea_id=idea.pk, voter_id=org.colin.pk, created_at=timezone.now()) is None
    assert Vote.objects.filter(idea=idea).count() == 1
    assert insert_once(Follow, idea_id=idea.pk, user_id=org.bob.pk, created_at=at) is not None


def test_add_returning_adds_sets_and_reads_back_in_one_statement(org, django_assert_num_queries):
    idea = published(org.alice, org.theme)
    Idea.objects.filter(pk=idea.pk).update(vote_count=4, historical_support=10, trending_score=1.5)
    now = timezone.now()
    with django_assert_num_queries(1):
        values = add_returning(
            Idea,
            idea.pk,
            add={"vote_count": 1, "trending_score": 2},
            set={"last_activity_at": now},
            returning=["vote_count", "historical_support", "state", "is_hidden", "last_activity_at"],
        )
    assert values == {
        "vote_count": 5,
        "historical_support": 10,
        "state": idea.state,
        "is_hidden": False,  # a boolean, not SQLite's 0
        "last_activity_at": now,  # an aware datetime, not SQLite's text
    }
    idea.refresh_from_db()
    assert (idea.vote_count, idea.trending_score, idea.last_activity_at) == (5, 3.5, now)
    assert add_returning(Idea, 10**9, add={"vote_count": 1}, set={}, returning=["vote_count"]) is None


def test_insert_many_once_writes_the_new_rows_and_says_which(org, django_assert_num_queries):
    from accounts.models import Notification
    from config.rows import insert_many_once

    now = timezone.now()

    def row(user, key="e:1"):
        return {
            "recipient_id": user.pk,
            "kind": "comment",
            "event_key": key,
            "text": "t",
            "url": "",
            "created_at": now,
        }

    with django_assert_num_queries(1):
        assert sorted(
            insert_many_once(Notification, [row(org.alice), row(org.bob)], returning="recipient")
        ) == sorted([org.alice.pk, org.bob.pk])
    with django_assert_num_queries(1):  # Alice's is there already: only Colin's is written
        assert insert_many_once(Notification, [row(org.alice), row(org.colin)], returning="recipient") == [
            org.colin.pk
        ]
    with django_assert_num_queries(3):  # batches
        written = insert_many_once(
            Notification, [row(org.cora, f"b:{n}") for n in range(5)], returning="event_key", batch=2
        )
    assert sorted(written) == [f"b:{n}" for n in range(5)]
    assert Notification.objects.count() == 8
    assert insert_many_once(Notification, [], returning="recipient") == []
