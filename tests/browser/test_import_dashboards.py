"""The executive and community-manager dashboards on imported OpenIDEO history, in Chromium.

A subset of the data (three challenges, with everyone who took part in them) keeps this test
short; the full import is tested on Postgres in tests/imports/test_openideo.py."""

from datetime import UTC, datetime

import pytest

from analytics.snapshots import recompute
from ideas.importing.openideo import load_openideo
from ideas.importing.reading import Table
from ideas.importing.runner import run_import
from ideas.models import Idea
from tests import factories as f
from tests.browser.conftest import DESKTOP
from tests.factories import PASSWORD
from tests.imports.helpers import OPENIDEO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHALLENGES = {"0", "1", "2"}  # June 2010 - early 2011


def subset(tables):
    def challenge(ext):
        return ext.split(":")[2]

    keep = {
        "campaigns": lambda v: challenge(v["external_id"]) in CHALLENGES,
        "ideas": lambda v: challenge(v["external_id"]) in CHALLENGES,
        "comments": lambda v: challenge(v["external_id"]) in CHALLENGES,
        "links": lambda v: challenge(v["source"]) in CHALLENGES,
    }
    result = {name: Table([r for r in tables[name].rows if keep[name](r.values)]) for name in keep}
    people = {r.values["author"] for name in ("ideas", "comments") for r in result[name].rows}
    result["people"] = Table([r for r in tables["people"].rows if r.values["external_id"] in people])
    return result


def test_dashboards_on_imported_openideo_history(session_factory):
    result = run_import(subset(load_openideo(OPENIDEO)), entity_prefix="OpenIDEO")
    assert result.summary["ideas"]["create"] == Idea.objects.count() > 500
    end = datetime(2011, 6, 1, tzinfo=UTC)
    recompute(months=2, now=end, days=365)
    # In English: the segment table is read by its (translated) segment names below.
    f.UserFactory(email="eve@example.com", display_name="Eve", is_executive=True, language="en")
    f.UserFactory(
        email="camille@example.com", display_name="Camille", is_community_manager=True, language="en"
    )
    window = "?start=2010-06-01&end=2011-05-31"
    for email, path, charts in (
        ("eve@example.com", f"/analytics/executive/{window}", 6),
        ("camille@example.com", "/analytics/community/", 1),
    ):
        person = session_factory(email.split("@")[0] + "-openideo", DESKTOP)
        person.login(email, PASSWORD)
        person.goto(path)
        person.page.wait_for_function(
            f"document.querySelectorAll('canvas[data-drawn=true]').length >= {charts}", timeout=20000
        )
        if "executive" in path:
            # The participation chart reads the imported window, not the last 12 months.
            data = person.page.evaluate(
                "fetch('/analytics/data/participation.json?start=2010-06-01&end=2011-05-31')"
                ".then(r => r.json())"
            )
            assert data["posted"]["people"] > 100
            assert "start=2010-06-01" in person.page.locator(
                "canvas[data-chart=participation]"
            ).get_attribute("data-url")
        else:
            person.page.wait_for_function("document.querySelectorAll('#segment-table tbody tr').length > 5")
            rows = person.page.locator("#segment-table tbody tr").all_inner_texts()
            facilitators = next(r for r in rows if r.lower().startswith("facilitator"))
            assert int(facilitators.split("\t")[1]) > 0
            assert person.page.locator("#migration-table tr").count() > 5
        person.shot("imported")
        assert person.errors == []
