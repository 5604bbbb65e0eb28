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
