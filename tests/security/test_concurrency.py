"""Races on PostgreSQL, through the real pages and API: many people voting at once, one person
clicking fifty times, two correspondents deciding the same idea, badges and points given twice
at once. Each test reports its concurrent requests and lost updates (must be 0)."""

from __future__ import annotations

import json
import os

import pytest
from badgify.models import Award
from django.test import Client
from django.urls import reverse

from accounts.models import User
from gamification.badges import badges_award, badges_ensure
from gamification.models import PointEntry
from gamification.services import award
from ideas.models import IdeaState, Vote
from moderation.models import Transition
from tests import factories as f
from tests.conftest import needs_postgres
from tests.helpers import published
from tests.support.concurrency import run_concurrently

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]
S = IdeaState
# Threads racing at every moment (each holds a database connection; Postgres allows 100 here).
WORKERS = int(os.environ.get("CONCURRENCY_WORKERS", "32"))


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.RATE_LIMITS = {"idea": "1000/h", "comment": "1000/h", "vote": "1000/h", "report": "1000/h"}


def report(capsys, what, requests, lost):
    with capsys.disabled():
        print(f"\nconcurrency: {what}: {requests} concurrent requests, {lost} lost updates")


def _vote_as(user_id, idea_id):
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client.post(reverse("ideas:vote", args=[idea_id]), HTTP_HX_REQUEST="true").status_code


def test_two_hundred_people_voting_at_once_are_all_counted(org, capsys):
    idea = published(org.alice, org.theme)
    voters = [f.UserFactory(entity=org.dept_b1) for _ in range(200)]
    outcomes = run_concurrently(_vote_as, [(v.pk, idea.pk) for v in voters], workers=WORKERS)
    assert [o.error for o in outcomes if not o.ok] == []
    assert [o.result for o in outcomes] == [200] * 200
    idea.refresh_from_db()
    stored = Vote.objects.filter(idea=idea).count()
    report(capsys, "200 distinct voters on one idea", len(outcomes), 200 - idea.vote_count)
    assert stored == 200
    assert idea.vote_count == 200  # the denormalised counter lost no increment


def test_fifty_clicks_by_one_person_make_one_vote(org, capsys):
    idea = published(org.alice, org.theme)
    outcomes = run_concurrently(_vote_as, [(org.colin.pk, idea.pk)] * 50, workers=WORKERS)
    assert [o.error for o in outcomes if not o.ok] == []
    assert {o.result for o in outcomes} == {200}
    idea.refresh_from_db()
    report(capsys, "one voter clicking 50 times", len(outcomes), abs(1 - idea.vote_count))
    assert Vote.objects.filter(idea=idea).count() == 1
    assert idea.vote_count == 1
    assert PointEntry.objects.filter(user=org.colin, rule="vote_given").count() <= 1


def test_two_correspondents_deciding_at_once_one_decision_one_clear_refusal(org, capsys):
    """Chloé and Oscar, both correspondents of Operations, shortlist the same published idea from
    the version they loaded: one decision is recorded, the other gets 409 and a message."""
    f.correspondent(org.ops, org.oscar)
    idea = published(org.alice, org.theme)
    version = idea.version

    def decide(user):
        client = Client()
        client.force_login(user)
        response = client.post(
            reverse("api-idea-decide", args=[idea.pk]),
            json.dumps({"to_state": S.SHORTLISTED, "version": version}),
            content_type="application/json",
        )
        return response.status_code, response.json()

    outcomes = run_concurrently(decide, [(org.chloe,), (org.oscar,)])
    assert [o.error for o in outcomes if not o.ok] == []
    statuses = sorted(o.result[0] for o in outcomes)
    decisions = Transition.objects.filter(idea=idea, to_state=S.SHORTLISTED)
    report(capsys, "two correspondents deciding one idea", 2, decisions.count() - 1)
    assert statuses == [200, 409]
    refusal = next(o.result[1] for o in outcomes if o.result[0] == 409)
    assert "moved" in json.dumps(refusal) or "bougé" in json.dumps(refusal)
    assert decisions.count() == 1
    idea.refresh_from_db()
    assert idea.state == S.SHORTLISTED
    assert idea.version == version + 1


def test_concurrent_badge_and_point_awards_give_each_once(org, capsys):
    badges_ensure()
    for n in range(3):
        published(org.alice, org.theme, title=f"Idea {n} on printers")
    Award.objects.filter(user=org.alice).delete()  # as if the nightly recompute had not run yet
    before = set(Award.objects.filter(user=org.alice).values_list("badge__slug", flat=True))
    badge_runs = run_concurrently(lambda: badges_award(user_ids=[org.alice.pk]), [()] * 20, workers=20)
    point_runs = run_concurrently(
        lambda: award(user_id=org.colin.pk, rule="idea_published", object_key="idea:race"),
        [()] * 40,
        workers=WORKERS,
    )
    assert [o.error for o in badge_runs + point_runs if not o.ok] == []
    slugs = list(Award.objects.filter(user=org.alice).values_list("badge__slug", flat=True))
    assert "first-idea" in slugs
    assert "first-idea" not in before
    duplicates = len(slugs) - len(set(slugs))
    entries = PointEntry.objects.filter(user=org.colin, object_key="idea:race").count()
    report(
        capsys,
        "badge recomputes and point awards",
        len(badge_runs) + len(point_runs),
        duplicates + abs(entries - 1),
    )
    assert duplicates == 0
    assert entries == 1
