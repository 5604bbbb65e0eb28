"""Votes: once per person and idea (in the database), never on one's own or an unpublished idea."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from ideas import services
from ideas.models import Idea, Vote
from tests.conftest import needs_postgres
from tests.helpers import draft, published, submitted
from tests.support.concurrency import run_concurrently


def test_vote_once_then_withdraw(org):
    idea = published(org.alice, org.theme)
    vote, created = services.vote_cast(idea=idea, voter=org.colin)
    assert created
    again, created_again = services.vote_cast(idea=idea, voter=org.colin)
    assert not created_again
    assert again.pk == vote.pk
    idea.refresh_from_db()
    assert idea.vote_count == 1
    assert services.vote_withdraw(idea=idea, voter=org.colin)
    idea.refresh_from_db()
    assert idea.vote_count == 0
    assert not Vote.objects.filter(idea=idea).exists()
    assert not services.vote_withdraw(idea=idea, voter=org.colin)


def test_database_refuses_a_second_vote(org):
    idea = published(org.alice, org.theme)
    Vote.objects.create(idea=idea, voter=org.colin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(idea=idea, voter=org.colin)


def test_no_vote_on_own_idea_or_as_co_author(org):
    idea = published(org.alice, org.theme, co_authors=[org.cora])
    for person in (org.alice, org.cora):
        with translation.override("en"), pytest.raises(ValidationError, match="own idea"):
            services.vote_cast(idea=idea, voter=person)
    assert Vote.objects.count() == 0


@pytest.mark.parametrize("make", [draft, submitted])
def test_no_vote_on_unpublished_idea(org, make):
    idea = make(org.alice, org.theme)
    with translation.override("en"), pytest.raises(ValidationError, match="not open"):
        services.vote_cast(idea=idea, voter=org.colin)


def test_vote_through_http_with_htmx_updates_the_count(client, org):
    idea = published(org.alice, org.theme)
    client.force_login(org.colin)
    response = client.post(f"/ideas/{idea.pk}/vote/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-live="votes"' in response.content
    assert b">1</span>" in response.content
    response = client.post(f"/ideas/{idea.pk}/vote/", {"action": "withdraw"}, HTTP_HX_REQUEST="true")
    assert b">0</span>" in response.content


def test_vote_on_own_idea_over_http_is_refused_clearly(client, org):
    idea = published(org.alice, org.theme)
    client.force_login(org.alice)
    response = client.post(f"/ideas/{idea.pk}/vote/", HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert b"own idea" in response.content


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_votes_by_one_person_count_once(org):
    idea = published(org.alice, org.theme)

    def cast():
        services.vote_cast(idea=Idea.objects.get(pk=idea.pk), voter=org.colin)

    outcomes = run_concurrently(cast, [()] * 20)
    assert [o.error for o in outcomes if not o.ok] == []
    assert Vote.objects.filter(idea=idea).count() == 1
    idea.refresh_from_db()
    assert idea.vote_count == 1


def test_a_vote_reads_the_idea_once_even_at_a_milestone_and_the_shortlist_threshold(
    client, org, settings, django_capture_on_commit_callbacks
):
    """The vote reads a few columns of the idea (selectors.VOTE_FIELDS): the milestone notice, the
    domain's shortlist threshold and the vote box use nothing else."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Notification

    settings.VOTE_MILESTONES = (2,)
    org.ops.shortlist_vote_threshold = 2
    org.ops.save()
    idea = published(org.alice, org.theme)
    assert idea.domain_id == org.ops.pk
    services.vote_cast(idea=idea, voter=org.bob)
    client.force_login(org.colin)
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        response = client.post(f"/ideas/{idea.pk}/vote/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b">2</span>" in response.content
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "ideas_idea"')]
    assert len(reads) == 1, reads  # no deferred column read afterwards
    assert '"ideas_idea"."body"' not in reads[0]
    assert Notification.objects.filter(recipient=org.alice, kind="vote_milestone").exists()
    idea.refresh_from_db()
    assert idea.state == "shortlisted"  # the threshold was read and applied
