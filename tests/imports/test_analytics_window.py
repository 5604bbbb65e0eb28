"""Analytics over imported history: a chosen window for recompute_analytics and the dashboards."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from analytics.models import SegmentSnapshot
from analytics.segments import PASSIVE
from tests import factories as f
from tests.imports.helpers import EXAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def example():
    call_command("import_platform", str(EXAMPLE), "--quiet")


def test_recompute_over_a_window_covering_the_imported_history(example, capsys):
    call_command("recompute_analytics", "--start", "2021-01-01", "--end", "2022-06-30", "--quiet")
    months = sorted(set(SegmentSnapshot.objects.values_list("month", flat=True)))
    assert months == [date(2022, 5, 1), date(2022, 6, 1)]
    assert "over 546 days" in capsys.readouterr().out
    june = {s.user.external_id: s for s in SegmentSnapshot.objects.filter(month=date(2022, 6, 1))}
    # Bruno posted and commented in early 2022: active and contributing over the window, which a
    # default 90-day window ending in June would not see.
    assert "inactive" not in june["is-1002"].segments
    assert PASSIVE not in june["is-1002"].segments
    call_command("recompute_analytics", "--end", "2022-06-30", "--window-days", "30", "--months", "1")
    assert SegmentSnapshot.objects.get(user__external_id="is-1002", month=date(2022, 6, 1)).segments == [
        "inactive"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2022-06-01", "--end", "2022-01-01"], "--start must be before --end"),
        (["--start", "2022-01-01", "--window-days", "30"], "either --start or --window-days"),
        (["--end", "30/06/2022"], "give a date as YYYY-MM-DD"),
        (["--window-days", "0"], "--window-days"),
    ],
)
def test_recompute_refuses_a_bad_window(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("recompute_analytics", *args, "--quiet")


def test_dashboards_follow_the_imported_window_and_months(example, client):
    call_command("recompute_analytics", "--start", "2021-01-01", "--end", "2022-06-30", "--quiet")
    client.force_login(f.UserFactory(email="camille@example.com", is_community_manager=True))
    page = client.get("/analytics/executive/?start=2021-01-01&end=2022-06-30").content.decode()
    assert "participation.json?start=2021-01-01&amp;end=2022-06-30" in page
    assert client.get("/analytics/executive/?start=2022-06-30&end=2021-01-01").status_code == 400
    data = client.get("/analytics/data/participation.json?start=2021-01-01&end=2022-06-30").json()
    assert data["posted"]["people"] == 3
    assert data["commented"]["people"] == 2
    migration = client.get("/analytics/data/migration.json").json()
    assert (migration["from"], migration["to"]) == ("2022-05-01", "2022-06-01")
    assert (
        sum(map(sum, migration["matrix"])) == SegmentSnapshot.objects.filter(month=date(2022, 6, 1)).count()
    )
    campaigns = client.get("/analytics/data/campaigns.json").json()["rows"]
    assert {r["campaign"]: r["votes"] for r in campaigns}["Less paper in 2022"] == 42 + 2 + 7 + 1
