"""Every default rule performed as a user would (HTTP), with the ledger and the total checked."""

from django.test import Client
from django.utils import timezone

from gamification.models import PointEntry, PointRule
from gamification.services import user_total
from ideas.models import Comment
from moderation.workflow import transition
from tests import factories as f
from tests.helpers import published


def http(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ledger(user):
    return sorted(PointEntry.objects.filter(user=user).values_list("rule", "points"))


def decide(user, idea, state, reason=""):
    response = http(user).post(f"/moderation/ideas/{idea.pk}/decide/", {"to_state": state, "reason": reason})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.state == state


def test_publish_vote_comment_helpful_shortlist_project_deploy(org):
    response = http(org.alice).post(
        "/ideas/new/",
        {
            "title": "Duplex printing by default",
            "body": "Save paper everywhere.",
            "theme": org.theme.pk,
            "submit": "1",
        },
    )
    assert response.status_code == 302
    from ideas.models import Idea

    idea = Idea.objects.get()
    decide(org.chloe, idea, "published")
    assert ledger(org.alice) == [("idea_published", 20)]

    assert http(org.colin).post(f"/ideas/{idea.pk}/vote/").status_code == 302
    assert ledger(org.colin) == [("vote_given", 1)]
    assert ("vote_received", 1) in ledger(org.alice)

    http(org.colin).post(f"/ideas/{idea.pk}/comments/", {"body": "What about the plotters?"})
    assert ("comment", 2) in ledger(org.colin)
    comment = Comment.objects.get()
    http(org.alice).post(f"/ideas/comments/{comment.pk}/helpful/")
    assert ("comment_helpful", 5) in ledger(org.colin)

    decide(org.chloe, idea, "shortlisted")
    assert ("idea_shortlisted", 30) in ledger(org.alice)
    http(org.chloe).post(f"/moderation/ideas/{idea.pk}/experts/", {"experts": "xavier@example.com"})
    decide(org.eve, idea, "project")
    assert ("idea_project", 50) in ledger(org.alice)
    decide(org.eve, idea, "pilot")
    decide(org.eve, idea, "deployed")
    assert ("idea_deployed", 100) in ledger(org.alice)
    assert ("deployed_helpful", 20) in ledger(org.colin)
    assert user_total(user_id=org.alice.pk) == 20 + 1 + 30 + 50 + 100
    assert user_total(user_id=org.colin.pk) == 1 + 2 + 5 + 20
    page = http(org.alice).get("/points/").content.decode()
    assert "201" in page


def test_deployed_points_are_shared_by_co_authors(org):
    idea = published(org.alice, org.theme, co_authors=[org.cora])
    for state, actor in (("shortlisted", org.chloe), ("in_analysis", org.chloe), ("deployed", org.eve)):
        transition(idea=idea, actor=actor, to_state=state)
    assert ("idea_deployed", 50) in ledger(org.alice)
    assert ("idea_deployed", 50) in ledger(org.cora)


def test_withdrawn_vote_removes_its_points(org):
    idea = published(org.alice, org.theme)
    client = http(org.colin)
    client.post(f"/ideas/{idea.pk}/vote/")
    client.post(f"/ideas/{idea.pk}/vote/", {"action": "withdraw"})
    assert user_total(user_id=org.colin.pk) == 0
    assert user_total(user_id=org.alice.pk) == 20
    client.post(f"/ideas/{idea.pk}/vote/")  # voting again does not earn the point again
    assert user_total(user_id=org.colin.pk) == 0


def test_deleted_comment_and_rejected_idea_lose_their_points(org):
    idea = published(org.alice, org.theme)
    http(org.colin).post(f"/ideas/{idea.pk}/comments/", {"body": "Nice"})
    comment = Comment.objects.get()
    assert user_total(user_id=org.colin.pk) == 2
    http(org.colin).post(f"/ideas/comments/{comment.pk}/delete/")
    assert user_total(user_id=org.colin.pk) == 0
    other = published(org.cora, org.theme, title="Another idea to reject")
    assert user_total(user_id=org.cora.pk) == 20
    from moderation import services as moderation

    moderation.report_create(reporter=org.eve, reason="Offensive", idea=other)  # review needs a report
    moderation.report_review(actor=org.camille, decision="removed", reason="Offensive", idea=other)
    assert user_total(user_id=org.cora.pk) == 0


def test_daily_caps(org):
    authors = [f.UserFactory(entity=org.dept_a2) for _ in range(12)]
    ideas = [published(author, org.theme, title=f"Idea {i} for caps") for i, author in enumerate(authors)]
    client = http(org.colin)
    for idea in ideas:
        client.post(f"/ideas/{idea.pk}/vote/")
    assert user_total(user_id=org.colin.pk) == 10  # 12 votes, capped at 10 points a day
    for i in range(12):
        client.post(f"/ideas/{ideas[0].pk}/comments/", {"body": f"comment {i}"})
    comment_points = sum(p for r, p in ledger(org.colin) if r == "comment")
    assert comment_points == 20


def test_votes_between_the_same_two_people_count_a_few_times_a_month(org, settings):
    settings.VOTE_PAIR_MONTHLY_CAP = 3
    ideas = [published(org.alice, org.theme, title=f"Alice idea {i}") for i in range(5)]
    for idea in ideas:
        http(org.colin).post(f"/ideas/{idea.pk}/vote/")
    received = [p for r, p in ledger(org.alice) if r == "vote_received"]
    assert received == [1, 1, 1]


def test_rule_edits_are_validated_in_the_admin(org):
    from gamification.services import rules_ensure_defaults

    rules_ensure_defaults()
    rule = PointRule.objects.get(code="comment")
    client = http(org.ada)
    url = f"/admin/gamification/pointrule/{rule.pk}/change/"
    data = {
        "code": "comment",
        "label": "Comment",
        "description": "",
        "points": "2",
        "daily_cap": "-5",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "daily cap" in response.content.decode().lower()
    response = client.post(url, {**data, "daily_cap": "20", "points": "lots"})
    assert "Enter a whole number" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.points, rule.daily_cap) == (2, 20)
    client.post(url, {**data, "daily_cap": "30", "points": "3"})
    rule.refresh_from_db()
    assert (rule.points, rule.daily_cap) == (3, 30)


def test_the_ledger_is_read_only_in_the_admin(org):
    published(org.alice, org.theme)
    entry = PointEntry.objects.first()
    client = http(org.ada)
    assert (
        client.post(f"/admin/gamification/pointentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert PointEntry.objects.filter(pk=entry.pk).exists()
    assert timezone.now() >= entry.created_at
