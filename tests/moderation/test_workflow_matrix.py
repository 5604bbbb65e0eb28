"""The whole transition matrix: every (state, role, target) triple, through the service and
through the HTTP endpoint (crafted POSTs included), allowed or refused as DESIGN.md section 3 says."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from ideas.models import Idea, IdeaState
from moderation import workflow
from moderation.models import Transition
from tests.helpers import published

S = IdeaState
ROLES = {
    "author": "alice",
    "correspondent": "chloe",
    "community_manager": "camille",
    "executive": "eve",
    "authors_manager": "bob",
    "employee": "colin",
    "expert": "xavier",
}
# What the design allows, written independently of workflow.TRANSITIONS (None = nobody).
EXPECTED = {
    (S.DRAFT, S.SUBMITTED): {"author"},
    (S.CHANGES_REQUESTED, S.SUBMITTED): {"author"},
    (S.SUBMITTED, S.PUBLISHED): {"correspondent"},
    (S.SUBMITTED, S.CHANGES_REQUESTED): {"correspondent"},
    (S.SUBMITTED, S.REJECTED): {"correspondent"},
    (S.PUBLISHED, S.SHORTLISTED): {"correspondent"},
    (S.SHORTLISTED, S.IN_ANALYSIS): {"correspondent", "community_manager"},
    (S.ARCHIVED, S.PUBLISHED): {"community_manager"},
    (S.IN_ANALYSIS, S.PROJECT): {"executive"},
    (S.IN_ANALYSIS, S.PILOT): {"executive"},
    (S.IN_ANALYSIS, S.DEPLOYED): {"executive"},
    (S.IN_ANALYSIS, S.DECLINED): {"executive"},
    (S.PROJECT, S.PILOT): {"executive"},
    (S.PROJECT, S.DECLINED): {"executive"},
    (S.PILOT, S.DEPLOYED): {"executive"},
    (S.PILOT, S.DECLINED): {"executive"},
}
PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


def _idea_in(org, state):
    idea = published(org.alice, org.theme)
    Idea.objects.filter(pk=idea.pk).update(state=state)  # test setup only: place the idea in `state`
    idea.refresh_from_db()
    return idea


@pytest.mark.parametrize(("from_state", "to_state"), PAIRS)
def test_transition_matrix(org, from_state, to_state):
    idea = _idea_in(org, from_state)
    allowed_roles = EXPECTED.get((from_state, to_state), set())
    for role, name in ROLES.items():
        actor = getattr(org, name)
        idea.refresh_from_db()
        before = Transition.objects.filter(idea=idea).count()
        try:
            workflow.transition(idea=idea, actor=actor, to_state=to_state, reason="Because of the figures")
        except (ValidationError, PermissionDenied):
            allowed = False
        else:
            allowed = True
        assert allowed == (role in allowed_roles), f"{role}: {from_state} -> {to_state}"
        after = Transition.objects.filter(idea=idea).count()
        assert after == before + (1 if allowed else 0)
        if allowed:
            Idea.objects.filter(pk=idea.pk).update(state=from_state)  # reset for the next role


@pytest.mark.parametrize(("from_state", "to_state"), [p for p in PAIRS if p[1] != S.SUBMITTED])
def test_decision_endpoint_matrix(org, from_state, to_state):
    idea = _idea_in(org, from_state)
    allowed_roles = EXPECTED.get((from_state, to_state), set())
    for role, name in ROLES.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(getattr(org, name))
        before = Transition.objects.filter(idea=idea).count()
        response = client.post(
            f"/moderation/ideas/{idea.pk}/decide/", {"to_state": to_state, "reason": "Because of the figures"}
        )
        idea.refresh_from_db()
        if role in allowed_roles:
            assert idea.state == to_state, f"{role}: {from_state} -> {to_state}"
            Idea.objects.filter(pk=idea.pk).update(state=from_state)
        else:
            assert response.status_code in (302, 404)
            assert idea.state == from_state, f"{role} moved {from_state} -> {to_state}"
            assert Transition.objects.filter(idea=idea).count() == before


def test_reason_is_required_where_the_design_says(org):
    for from_state, to_state, actor in [
        (S.SUBMITTED, S.REJECTED, org.chloe),
        (S.SUBMITTED, S.CHANGES_REQUESTED, org.chloe),
        (S.IN_ANALYSIS, S.DECLINED, org.eve),
    ]:
        idea = _idea_in(org, from_state)
        with pytest.raises(ValidationError, match="reason"):
            workflow.transition(idea=idea, actor=actor, to_state=to_state, reason="   ")
        idea.refresh_from_db()
        assert idea.state == from_state
        assert not Transition.objects.filter(idea=idea, to_state=to_state).exists()


def test_skipping_a_state_with_a_crafted_post_is_refused(client, org):
    idea = _idea_in(org, S.SUBMITTED)
    client.force_login(org.eve)
    client.post(f"/moderation/ideas/{idea.pk}/decide/", {"to_state": "deployed", "reason": "x"})
    client.force_login(org.chloe)
    client.post(f"/moderation/ideas/{idea.pk}/decide/", {"to_state": "shortlisted"})
    client.post(f"/moderation/ideas/{idea.pk}/decide/", {"to_state": "not-a-state"})
    idea.refresh_from_db()
    assert idea.state == S.SUBMITTED


def test_audit_rows_are_append_only(org):
    idea = _idea_in(org, S.SUBMITTED)
    row = Transition.objects.filter(idea=idea).first()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        Transition.objects.filter(idea=idea).update(reason="rewritten")
    with pytest.raises(PermissionError):
        Transition.objects.filter(idea=idea).delete()


def test_audit_log_visible_to_author_and_community_managers_only(org):
    idea = published(org.alice, org.theme)
    for user, visible in [(org.alice, True), (org.camille, True), (org.colin, False), (org.bob, False)]:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        page = client.get(f"/ideas/{idea.pk}/").content.decode()
        assert ("History" in page) == visible, user


def test_api_decisions_go_through_the_state_machine(org):
    idea = _idea_in(org, S.SUBMITTED)
    chloe, bob = Client(), Client()
    chloe.force_login(org.chloe)
    bob.force_login(org.bob)
    url = f"/api/v1/ideas/{idea.pk}/decide/"
    assert bob.post(url, {"to_state": "published"}, content_type="application/json").status_code == 404
    response = chloe.post(url, {"to_state": "deployed"}, content_type="application/json")
    assert response.status_code == 400
    response = chloe.post(url, {"to_state": "rejected", "reason": ""}, content_type="application/json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = chloe.post(
        url, {"to_state": "published", "version": idea.version + 5}, content_type="application/json"
    )
    assert response.status_code == 409
    response = chloe.post(
        url, {"to_state": "published", "version": idea.version}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "published"


def test_admin_actions_go_through_the_state_machine(org):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    idea = _idea_in(org, S.SUBMITTED)
    draft_idea = _idea_in(org, S.DRAFT)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.ada)
    response = client.post(
        "/admin/ideas/idea/",
        {"action": "publish", ACTION_CHECKBOX_NAME: [idea.pk, draft_idea.pk]},
        follow=True,
    )
    assert "refused by the workflow" in response.content.decode()
    idea.refresh_from_db()
    draft_idea.refresh_from_db()
    assert draft_idea.state == S.DRAFT  # no skipping from draft to published
    assert idea.state == S.SUBMITTED  # Ada is no correspondent of this domain: refused too
    page = client.get(f"/admin/ideas/idea/{idea.pk}/change/").content.decode()
    assert 'name="state"' not in page
