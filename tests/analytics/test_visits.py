"""Visits: a person's use of the product is recorded once a day, however many pages they open."""

from datetime import date
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from analytics import services
from analytics.models import Visit

pytestmark = pytest.mark.django_db


def test_pages_record_one_visit_a_day_and_then_ask_nobody(org):
    client = Client()
    client.force_login(org.colin)
    assert client.get("/ideas/").status_code == 200
    assert list(Visit.objects.filter(user=org.colin).values_list("day", flat=True)) == [timezone.localdate()]
    with (
        mock.patch.object(services, "cache") as cache,
        mock.patch.object(Visit.objects, "bulk_create") as write,
    ):
        for _ in range(3):
            assert client.get("/ideas/").status_code == 200
    assert not cache.get.called  # this process remembers the visit: no cache round trip
    assert not write.called
    assert Visit.objects.filter(user=org.colin).count() == 1


def test_another_process_asks_the_cache_and_the_next_day_is_recorded(org):
    services.record_visit(user_id=org.colin.pk)
    services.visits_forget()  # as another process would: it has only the cache
    with mock.patch.object(Visit.objects, "bulk_create") as write:
        services.record_visit(user_id=org.colin.pk)
    assert not write.called
    tomorrow = date.fromordinal(timezone.localdate().toordinal() + 1)
    with mock.patch("analytics.services.timezone.localdate", return_value=tomorrow):
        services.record_visit(user_id=org.colin.pk)
    days = sorted(Visit.objects.filter(user=org.colin).values_list("day", flat=True))
    assert days == [timezone.localdate(), tomorrow]


def test_idea_views_are_inserted_once_a_day_per_process(
    org, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from analytics.models import IdeaView
    from tests.helpers import published

    idea, other = published(org.alice, org.theme), published(org.alice, org.theme, title="Another one")
    with django_capture_on_commit_callbacks(execute=True):  # remembered once committed
        services.record_idea_view(user_id=org.colin.pk, idea_id=idea.pk)
    with django_assert_num_queries(0):
        services.record_idea_view(user_id=org.colin.pk, idea_id=idea.pk)
    with django_assert_num_queries(1):  # another idea, another person: recorded
        services.record_idea_view(user_id=org.colin.pk, idea_id=other.pk)
    with django_assert_num_queries(1):
        services.record_idea_view(user_id=org.bob.pk, idea_id=idea.pk)
    tomorrow = date.fromordinal(timezone.localdate().toordinal() + 1)
    with mock.patch("analytics.services.timezone.localdate", return_value=tomorrow):
        services.record_idea_view(user_id=org.colin.pk, idea_id=idea.pk)
    assert sorted(IdeaView.objects.filter(user=org.colin, idea=idea).values_list("day", flat=True)) == [
        timezone.localdate(),
        tomorrow,
    ]
    assert IdeaView.objects.count() == 4


def test_a_view_rolled_back_is_not_remembered(org):
    from django.db import transaction

    from analytics.models import IdeaView
    from tests.helpers import published

    idea = published(org.alice, org.theme)

    def view_then_fail():
        with transaction.atomic():
            services.record_idea_view(user_id=org.colin.pk, idea_id=idea.pk)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        view_then_fail()
    services.record_idea_view(user_id=org.colin.pk, idea_id=idea.pk)
    assert IdeaView.objects.filter(user=org.colin, idea=idea).count() == 1
