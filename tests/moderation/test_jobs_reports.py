"""Vote threshold, archiving, the public answer-time page, content reports and the review queue."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from ideas import services
from ideas.models import Comment, Idea, IdeaState
from moderation.models import ContentReport, Transition
from moderation.tasks import archive_inactive
from tests import factories as f
from tests.helpers import published, submitted

S = IdeaState


def http(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_vote_threshold_shortlists_automatically(org, django_capture_on_commit_callbacks):
    org.ops.shortlist_vote_threshold = 3
    org.ops.save()
    idea = published(org.alice, org.theme)
    with django_capture_on_commit_callbacks(execute=True):
        for person in (org.colin, org.cora, org.oscar):
            services.vote_cast(idea=idea, voter=person)
    idea.refresh_from_db()
    assert idea.state == S.SHORTLISTED
    last = Transition.objects.filter(idea=idea).last()
    assert last.actor is None
    assert last.actor_role == "system"


def test_inactive_published_ideas_are_archived_by_the_job(org):
    old = published(org.alice, org.theme, title="An old idea nobody touched")
    fresh = published(org.cora, org.theme, title="A fresh idea with activity")
    Idea.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(days=400))
    assert archive_inactive() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == S.ARCHIVED
    assert fresh.state == S.PUBLISHED


def test_public_answer_times_page(org):
    published(org.alice, org.theme)
    submitted(org.cora, org.theme, title="Waiting for an answer")
    page = http(org.colin).get("/moderation/answer-times/").content.decode()
    assert "Operations" in page
    assert "How fast each domain answers" in page


def test_three_reports_hide_the_content_and_a_review_restores_or_removes_it(org):
    idea = published(org.alice, org.theme)
    services.comment_create(idea=idea, author=org.cora, body="Something rude")
    comment = Comment.objects.get()
    reporters = [org.colin, org.oscar, f.UserFactory(entity=org.dept_b1)]
    for n, reporter in enumerate(reporters):
        response = http(reporter).post(f"/moderation/report/comment/{comment.pk}/", {"reason": "Rude"})
        assert response.status_code == 302
        comment.refresh_from_db()
        assert comment.is_hidden == (n == 2)
    http(org.colin).post(f"/moderation/report/comment/{comment.pk}/", {"reason": "Rude again"})
    assert ContentReport.objects.filter(comment=comment).count() == 3  # one report per person
    assert "Something rude" not in http(org.colin).get(f"/ideas/{idea.pk}/").content.decode()
    queue = http(org.chloe).get("/moderation/reports/").content.decode()
    assert "Something rude" in queue
    assert http(org.colin).get("/moderation/reports/").status_code == 403
    http(org.chloe).post("/moderation/reports/", {"comment": comment.pk, "decision": "removed", "reason": ""})
    comment.refresh_from_db()
    assert comment.is_hidden  # no reason, nothing done
    http(org.chloe).post(
        "/moderation/reports/",
        {"comment": comment.pk, "decision": "restored", "reason": "Criticism, not abuse"},
    )
    comment.refresh_from_db()
    assert not comment.is_hidden
    closed = ContentReport.objects.filter(comment=comment)
    assert set(closed.values_list("status", "reviewed_by__email", "review_reason")) == {
        ("restored", "chloe@example.com", "Criticism, not abuse")
    }


def test_report_without_reason_is_refused(org):
    idea = published(org.alice, org.theme)
    http(org.colin).post(f"/moderation/report/idea/{idea.pk}/", {"reason": " "})
    assert not ContentReport.objects.exists()
    assert http(org.colin).post(f"/moderation/report/unknown/{idea.pk}/", {"reason": "x"}).status_code == 404


def test_bulk_publish_from_the_queue(org):
    ideas = [submitted(org.alice, org.theme, title=f"Bulk idea {i}") for i in range(3)]
    other = submitted(org.cora, org.it_theme, title="Someone else's queue")
    response = http(org.chloe).post("/moderation/queue/bulk/", {"ideas": [i.pk for i in ideas] + [other.pk]})
    assert response.status_code == 302
    states = set(Idea.objects.filter(pk__in=[i.pk for i in ideas]).values_list("state", flat=True))
    assert states == {S.PUBLISHED}
    other.refresh_from_db()
    assert other.state == S.SUBMITTED


def test_queue_shows_the_sla_clock_oldest_first(org):
    first = submitted(org.alice, org.theme, title="First submitted idea")
    second = submitted(org.alice, org.theme, title="Second submitted idea")
    ten_days_ago = timezone.now() - timedelta(days=10)
    Idea.objects.filter(pk=first.pk).update(submitted_at=ten_days_ago, assigned_at=ten_days_ago)
    page = http(org.chloe).get("/moderation/queue/").content.decode()
    assert page.index("First submitted idea") < page.index("Second submitted idea")
    assert "badge--danger" in page  # the first one is late
    assert second.assignee == org.chloe
