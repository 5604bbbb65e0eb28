"""The people of a segment: the page says how many there are and pages through them; the CSV
streams every one of them, their reasons as JSON (it stopped at 500, reasons as a Python repr)."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import snapshots
from tests import factories as f
from tests.conftest import client_for

CROWD = 520  # more than the 500 rows the page and the CSV once stopped at


@pytest.fixture
def inactive_crowd(org):
    f.UserFactory.create_batch(CROWD, entity=org.dept_b1)
    snapshots.recompute(months=1)  # nobody did anything: everyone is inactive
    total = snapshots.members(segment="inactive").count()
    assert total > CROWD
    return total


def test_the_csv_lists_everyone_with_reasons_as_json(client, org, inactive_crowd):
    client_for(client, org.camille)
    response = client.get(reverse("analytics:segment", args=["inactive"]), {"format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="segment-inactive.csv"'
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == inactive_crowd
    assert len({row["email"] for row in rows}) == inactive_crowd
    assert {row["reasons"] for row in rows} == {'{"visits": 0}'}
    assert json.loads(rows[0]["reasons"]) == {"visits": 0}


def test_the_csv_reasons_are_sorted_json(client, org):
    month = timezone.localdate().replace(day=1)
    reasons = {"passive": {"votes": 3, "ideas": 0, "comments": 0}}
    snapshots._insert([(org.colin.pk, month, ["passive"], reasons, 0.5, timezone.now())])
    client_for(client, org.camille)
    response = client.get(reverse("analytics:segment", args=["passive"]), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["email"] for row in rows] == [org.colin.email]
    assert rows[0]["reasons"] == '{"comments": 0, "ideas": 0, "votes": 3}'


def test_the_page_says_how_many_and_pages_through_them(client, org, inactive_crowd):
    client_for(client, org.camille)
    url = reverse("analytics:segment", args=["inactive"])
    html = client.get(url).content.decode()
    assert f"{inactive_crowd} people in this segment." in html
    assert "Shown: 1 to 100; the CSV lists everyone." in html
    assert html.count('href="/analytics/people/') == 100
    last = (inactive_crowd + 99) // 100
    html = client.get(url, {"page": last}).content.decode()
    assert f"Page {last} of {last}" in html
    assert html.count('href="/analytics/people/') == inactive_crowd - (last - 1) * 100
