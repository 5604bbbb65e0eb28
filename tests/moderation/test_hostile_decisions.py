"""Decision forms given hostile values: a refused gain changes nothing (the idea stays in pilot),
a "next" that is not a path of this site is ignored. Found by a sweep of hostile input (500s)."""

from decimal import Decimal

import pytest
from django.test import Client

from ideas.models import Idea, IdeaState
from moderation.models import Transition
from tests.helpers import published, submitted

S = IdeaState
pytestmark = pytest.mark.django_db


def _in_pilot(org):
    idea = published(org.alice, org.theme)
    Idea.objects.filter(pk=idea.pk).update(state=S.PILOT)  # test setup only
    idea.refresh_from_db()
    return idea


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("gain", ["NaN", "sNaN", "-Infinity", "Infinity", "1E+9999", "1e20", "1000000000000"])
def test_a_gain_that_is_not_a_storable_amount_is_refused_and_the_idea_does_not_move(org, gain):
    idea = _in_pilot(org)
    eve = _client(org.eve)
    data = {"to_state": "deployed", "reason": "Rolled out", "version": idea.version, "realised_gain": gain}
    response = eve.post(f"/moderation/ideas/{idea.pk}/decide/", data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "must be a number" in page or "at most" in page
    idea.refresh_from_db()
    assert (idea.state, idea.realised_gain) == (S.PILOT, None)
    assert not Transition.objects.filter(idea=idea, to_state=S.DEPLOYED).exists()
    assert eve.get(f"/ideas/{idea.pk}/").status_code == 200  # nothing stored that cannot be read back


def test_the_largest_gain_the_column_holds_is_kept_to_the_cent(org):
    idea = _in_pilot(org)
    data = {"to_state": "deployed", "reason": "Rolled out", "version": idea.version}
    _client(org.eve).post(
        f"/moderation/ideas/{idea.pk}/decide/", {**data, "realised_gain": "999999999999.994"}
    )
    idea.refresh_from_db()
    assert (idea.state, idea.realised_gain) == (S.DEPLOYED, Decimal("999999999999.99"))


@pytest.mark.parametrize("target", ["foo", "0", "NaN", " ", "https://evil.example/", "//evil.example/x"])
def test_next_is_followed_only_to_a_path_of_this_site(org, target):
    idea = submitted(org.alice, org.theme)
    data = {"to_state": "published", "reason": "fine", "version": idea.version, "next": target}
    response = _client(idea.assignee).post(f"/moderation/ideas/{idea.pk}/decide/", data)
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    idea.refresh_from_db()
    assert idea.state == S.PUBLISHED


def test_next_to_a_page_of_this_site_is_followed(org):
    idea = submitted(org.alice, org.theme)
    data = {"to_state": "published", "reason": "", "version": idea.version, "next": "/moderation/queue/"}
    response = _client(idea.assignee).post(f"/moderation/ideas/{idea.pk}/decide/", data)
    assert response["Location"] == "/moderation/queue/"


@pytest.mark.parametrize(
    "query",
    ["start=2026-01-01&end=9999-12-31", "start=0001-01-01&end=2026-01-01", "start=2026-13-45&end=2026-01-01"],
)
def test_analytics_windows_out_of_range_are_a_clear_400(org, query):
    camille = _client(org.camille)
    for path in (
        "/analytics/executive/",
        "/analytics/data/participation.json",
        "/analytics/data/pipeline.json",
    ):
        response = camille.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert "YYYY-MM-DD" in response.content.decode()
