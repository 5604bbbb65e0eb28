"""The idea pipeline in a real browser: submit, changes requested by the correspondent (not the
author's manager), resubmit, publish, votes, shortlist, expert scores, executive pilot then deploy."""

import pytest

from gamification.models import PointEntry
from ideas import services
from ideas.models import Idea, IdeaState
from moderation.models import ExpertAssessment, Transition
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = IdeaState


def decide(session, state, reason=None, gain=None):
    form = session.page.locator(f"form.decision-form:has(button[data-state={state}])")
    if reason is not None:
        form.locator("textarea").fill(reason)
    if gain is not None:
        form.locator("input[name=realised_gain]").fill(gain)
    form.locator("button[type=submit]").click()
    session.page.wait_for_load_state("networkidle")


def test_pipeline_from_submission_to_deployment(org, session_factory):
    alice = session_factory("alice", PHONE)
    alice.login("alice@example.com")
    alice.goto("/ideas/new/")
    alice.page.fill("#id_title", "Shared electric bikes between the two sites")
    alice.page.fill("#id_body", "Colleagues drive 4 km between the sites several times a day.")
    alice.page.select_option("#id_theme", label="Process optimisation")
    alice.page.click("button[name=submit]")
    alice.page.wait_for_load_state("networkidle")
    idea = Idea.objects.get()
    assert idea.state == S.SUBMITTED
    assert idea.assignee == org.chloe
    assert idea.assignee != org.bob
    alice.shot("submitted")

    bob = session_factory("bob", DESKTOP)
    bob.login("bob@example.com")
    bob.goto(f"/ideas/{idea.pk}/")
    assert "No such idea" in bob.page.content() or bob.page.locator("form.decision-form").count() == 0

    chloe = session_factory("chloe", DESKTOP)
    chloe.login("chloe@example.com")
    chloe.goto("/moderation/queue/")
    assert "Shared electric bikes" in chloe.page.inner_text("main")
    chloe.shot("queue")
    chloe.page.click("text=Shared electric bikes between the two sites")
    decide(chloe, "changes_requested", "Please estimate the yearly gain.")
    idea.refresh_from_db()
    assert idea.state == S.CHANGES_REQUESTED

    alice.goto(f"/ideas/{idea.pk}/")
    assert "Please estimate the yearly gain." in alice.page.inner_text("main")
    alice.shot("changes-requested")
    alice.page.click("text=Edit")
    alice.page.fill("#id_estimated_gain", "12000")
    alice.page.click("button[name=submit]")
    alice.page.wait_for_load_state("networkidle")
    idea.refresh_from_db()
    assert idea.state == S.SUBMITTED
    assert idea.assignee == org.chloe

    chloe.goto(f"/ideas/{idea.pk}/")
    decide(chloe, "published", "Thank you, published.")
    idea.refresh_from_db()
    assert idea.state == S.PUBLISHED

    for person in [org.colin, org.cora, org.oscar]:
        services.vote_cast(idea=idea, voter=person)
    chloe.goto(f"/ideas/{idea.pk}/")
    decide(chloe, "shortlisted")
    chloe.page.fill("#experts", "xavier@example.com")
    chloe.page.click("text=Ask for assessments")
    chloe.page.wait_for_load_state("networkidle")
    idea.refresh_from_db()
    assert idea.state == S.IN_ANALYSIS
    chloe.shot("in-analysis")

    xavier = session_factory("xavier", PHONE)
    xavier.login("xavier@example.com")
    xavier.goto(f"/ideas/{idea.pk}/")
    for field, value in (("#s-value", "5"), ("#s-cost", "4"), ("#s-feas", "4"), ("#s-risk", "3")):
        xavier.page.fill(field, value)
    xavier.page.fill("#s-comment", "Cheap, quick win.")
    xavier.page.click("text=Send my assessment")
    xavier.page.wait_for_load_state("networkidle")
    assert ExpertAssessment.objects.get(idea=idea, expert=org.xavier).submitted_at is not None
    xavier.shot("assessed")

    eve = session_factory("eve", DESKTOP)
    eve.login("eve@example.com")
    eve.goto("/moderation/pipeline/")
    assert "Shared electric bikes" in eve.page.inner_text("main")
    eve.shot("pipeline")
    eve.goto(f"/ideas/{idea.pk}/")
    assert "Expert scorecard" in eve.page.inner_text("main")
    decide(eve, "pilot")
    decide(eve, "deployed", gain="15000")
    idea.refresh_from_db()
    assert idea.state == S.DEPLOYED
    assert idea.realised_gain == 15000
    eve.shot("deployed")

    path = list(Transition.objects.filter(idea=idea).values_list("to_state", flat=True))
    assert path == [
        S.SUBMITTED,
        S.CHANGES_REQUESTED,
        S.SUBMITTED,
        S.PUBLISHED,
        S.SHORTLISTED,
        S.IN_ANALYSIS,
        S.PILOT,
        S.DEPLOYED,
    ]
    rules = set(PointEntry.objects.filter(user=org.alice).values_list("rule", flat=True))
    assert {"idea_published", "idea_shortlisted", "idea_project", "idea_deployed"} <= rules
    alice.goto(f"/ideas/{idea.pk}/")
    assert "History" in alice.page.inner_text("main")
    alice.shot("history")
    for session in (alice, bob, chloe, xavier, eve):
        assert session.errors == []
