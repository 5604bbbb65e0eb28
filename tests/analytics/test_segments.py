"""Hand-built scenarios, one per segment rule with its boundary (just above, just below), a person in
two segments, a migration passive -> facilitator, empty windows, and who may see what."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Entity, PersonalDataAudit
from analytics import funnels, snapshots
from analytics.models import Visit
from analytics.segments import (
    BIG_CONTRIBUTOR,
    FACILITATOR,
    IDEA_DEVELOPER,
    INACTIVE,
    INFLUENCER,
    PASSIVE,
    REGULAR,
    Window,
    compute_segments,
)
from ideas.models import Comment, Idea, IdeaState, Vote
from moderation.models import Transition
from moderation.workflow import transition
from tests import factories as f

S = IdeaState
NOW = timezone.now()


def ago(days):
    return NOW - timedelta(days=days)


def visit(user, days=1):
    Visit.objects.get_or_create(user=user, day=timezone.localdate(ago(days)))


def idea(author, days=10, state=S.PUBLISHED, **kw):
    visit(author, days)
    return Idea.objects.create(
        title="An idea",
        body="body",
        author=author,
        state=state,
        created_at=ago(days),
        published_at=ago(days),
        **kw,
    )


def comment(author, target, days=5, helpful=False):
    visit(author, days)
    return Comment.objects.create(
        idea=target, author=author, body="c", created_at=ago(days), helpful_at=ago(days) if helpful else None
    )


def vote(voter, target, days=5):
    visit(voter, days)
    return Vote.objects.create(idea=target, voter=voter, created_at=ago(days))


@pytest.fixture
def crowd(org):
    """Twenty active people with a little activity, so that percentiles mean something."""
    people = [f.UserFactory(entity=[org.dept_a1, org.dept_a2, org.dept_b1][i % 3]) for i in range(20)]
    for person in people:
        visit(person, 3)
    return people


@pytest.fixture
def window():
    return Window(ago(90), NOW + timedelta(minutes=1))


def segments_of(user, window):
    return compute_segments(window).segments[user.pk]


def test_inactive_and_passive(org, crowd, window):
    target = idea(crowd[0])
    passive = f.UserFactory(entity=org.dept_a1)
    vote(passive, target)
    result = compute_segments(window)
    assert result.segments[org.eve.pk] == [INACTIVE]  # no visit in the window
    assert PASSIVE in result.segments[passive.pk]
    assert result.reasons[passive.pk][PASSIVE] == {"ideas": 0, "comments": 0, "votes": 1}


@pytest.mark.parametrize(("months", "expected"), [(3, True), (2, False)])
def test_regular_needs_three_of_the_last_six_months(org, crowd, window, months, expected):
    person = f.UserFactory(entity=org.dept_a1)
    target = idea(crowd[0], days=200)
    for month in range(months):
        vote_target = idea(crowd[1 + month], days=month * 31 + 2)
        vote(person, vote_target, days=month * 31 + 1)
    assert target
    assert (REGULAR in segments_of(person, window)) is expected


@pytest.mark.parametrize(("ideas_posted", "expected"), [(3, True), (2, False)])
def test_big_contributor_needs_top_five_percent_and_three_ideas(org, crowd, window, ideas_posted, expected):
    person = f.UserFactory(entity=org.dept_a1)
    for _ in range(ideas_posted):
        idea(person)
    held = segments_of(person, window)
    assert (BIG_CONTRIBUTOR in held) is expected


@pytest.mark.parametrize(("reached", "expected"), [(10, True), (9, False)])
def test_influencer_needs_reach_of_ten_from_two_entities(org, crowd, window, reached, expected):
    person = f.UserFactory(entity=org.dept_a1)
    target = idea(person)
    for voter in crowd[:reached]:
        vote(voter, target)
    result = compute_segments(window)
    assert (INFLUENCER in result.segments[person.pk]) is expected
    if expected:
        assert result.reasons[person.pk][INFLUENCER]["colleagues_reached"] == 10
        assert result.reasons[person.pk][INFLUENCER]["entities_reached"] >= 2


@pytest.mark.parametrize(
    ("authors", "helpful", "expected"), [(3, True, True), (2, True, False), (3, False, False)]
)
def test_facilitator_rule(org, crowd, window, settings, authors, helpful, expected):
    settings.ANALYTICS = {"facilitator_top_share": 0}  # only the explicit rule
    person = f.UserFactory(entity=org.dept_a1)
    for i in range(authors):
        comment(person, idea(crowd[i]), helpful=helpful and i == 0)
    assert (FACILITATOR in segments_of(person, window)) is expected


def test_facilitator_share_on_others_boundary(org, crowd, window, settings):
    settings.ANALYTICS = {"facilitator_top_share": 0}
    person = f.UserFactory(entity=org.dept_a1)
    own = idea(person)
    for i in range(3):
        comment(person, idea(crowd[i]), helpful=i == 0)
    for _ in range(2):
        comment(person, own)  # 3 of 5 on others = 60%: still a facilitator
    assert FACILITATOR in segments_of(person, window)
    comment(person, own)  # 3 of 6 = 50%
    assert FACILITATOR not in segments_of(person, window)


@pytest.mark.parametrize(("advanced", "expected"), [(2, True), (1, False)])
def test_idea_developer_contributed_to_ideas_that_advanced_afterwards(org, crowd, window, advanced, expected):
    person = f.UserFactory(entity=org.dept_a1)
    for i in range(advanced):
        target = idea(crowd[i], days=40, state=S.SHORTLISTED)
        comment(person, target, days=30)
        Transition.objects.create(
            idea=target,
            actor=org.chloe,
            actor_role="correspondent",
            from_state=S.PUBLISHED,
            to_state=S.SHORTLISTED,
            at=ago(20),
            snapshot_hash="x",
        )
    assert (IDEA_DEVELOPER in segments_of(person, window)) is expected


@pytest.mark.parametrize(("dormant_days", "expected"), [(31, True), (29, False)])
def test_idea_developer_revives_a_dormant_idea(org, crowd, window, dormant_days, expected):
    person = f.UserFactory(entity=org.dept_a1)
    target = idea(crowd[0], days=80)
    comment(crowd[1], target, days=10 + dormant_days)  # last activity before the revival
    comment(person, target, days=10)
    vote(crowd[2], target, days=5)  # others react within 14 days
    assert (IDEA_DEVELOPER in segments_of(person, window)) is expected


def test_one_person_in_two_segments(org, crowd, window, settings):
    settings.ANALYTICS = {"facilitator_top_share": 0}
    person = f.UserFactory(entity=org.dept_a1)
    target = idea(person)
    for voter in crowd[:12]:
        vote(voter, target)
    for i in range(3):
        comment(person, idea(crowd[12 + i]), helpful=True)
    held = segments_of(person, window)
    assert INFLUENCER in held
    assert FACILITATOR in held


def test_passive_to_facilitator_appears_in_the_migration_matrix(org, crowd, settings):
    settings.ANALYTICS = {"facilitator_top_share": 0, "window_days": 30}
    person = f.UserFactory(entity=org.dept_a1)
    months = snapshots.month_starts(months=3, now=NOW)
    for month in months[:2]:  # two months of visits only
        Visit.objects.get_or_create(user=person, day=month + timedelta(days=2))
    for i in range(3):  # then helpful comments on three colleagues' ideas this month
        target = idea(crowd[i], days=1)
        Comment.objects.create(
            idea=target,
            author=person,
            body="c",
            created_at=NOW - timedelta(hours=2),
            helpful_at=NOW - timedelta(hours=1),
        )
    Visit.objects.get_or_create(user=person, day=timezone.localdate(NOW))
    snapshots.recompute(months=3, now=NOW + timedelta(minutes=1))
    matrix = snapshots.migration_matrix(from_month=months[1], to_month=months[2])
    order = matrix["segments"]
    assert matrix["matrix"][order.index(PASSIVE)][order.index(FACILITATOR)] >= 1


def test_empty_window_and_entity_without_members_give_messages_not_errors(org):
    empty_entity = f.EntityFactory(name="Nobody here", parent=org.group)
    start, end = ago(10), NOW
    figures = funnels.participation(start=start, end=end, entity=empty_entity)
    assert figures["headcount"] == 0
    assert figures["logged_in"]["percent"] is None
    assert "No member" in figures["message"]
    result = compute_segments(Window(ago(5000), ago(4990)))
    assert set(map(tuple, result.segments.values())) == {(INACTIVE,)}
    assert funnels.gini([]) is None
    assert funnels.pipeline()["total"] == 0
    client = Client()
    client.force_login(org.eve)
    for name in (
        "participation",
        "participation-by-entity",
        "participation-over-time",
        "pipeline",
        "gains",
        "campaigns",
        "segments",
    ):
        response = client.get(f"/analytics/data/{name}.json?days=1")
        assert response.status_code == 200, name
        assert client.get(f"/analytics/data/{name}.csv?days=1").status_code == 200
    assert "not computed yet" in client.get("/analytics/data/segments.json").json()["message"]
    assert client.get("/analytics/data/participation.json?days=abc").status_code == 400
    assert client.get(f"/analytics/data/participation.json?entity={empty_entity.pk}").json()["headcount"] == 0


def test_privacy_names_for_community_managers_only_and_views_logged(org, crowd):
    idea(crowd[0])
    snapshots.recompute(months=1, now=NOW + timedelta(minutes=1))
    eve, camille, colin = Client(), Client(), Client()
    eve.force_login(org.eve)
    camille.force_login(org.camille)
    colin.force_login(org.colin)
    assert eve.get("/analytics/executive/").status_code == 200
    assert eve.get("/analytics/community/").status_code == 403
    assert eve.get("/analytics/segments/passive/").status_code == 403
    assert eve.get(f"/analytics/people/{org.colin.pk}/").status_code == 403
    assert eve.get("/analytics/data/migration.json").status_code == 403
    assert colin.get("/analytics/executive/").status_code == 403
    assert colin.get("/analytics/data/pipeline.json").status_code == 403
    assert camille.get("/analytics/segments/passive/").status_code == 200
    assert camille.get("/analytics/segments/passive/?format=csv")["Content-Type"].startswith("text/csv")
    assert camille.get(f"/analytics/people/{crowd[0].pk}/").status_code == 200
    assert (
        PersonalDataAudit.objects.filter(actor=org.camille, subject=crowd[0], action="profile_view").count()
        == 1
    )
    assert colin.get(f"/analytics/people/{org.colin.pk}/").status_code == 200  # oneself: not logged
    assert not PersonalDataAudit.objects.filter(actor=org.colin).exists()
    assert "My segments and why" in colin.get("/me/").content.decode()


def test_segment_message_reaches_the_segment_through_notifications(
    org, crowd, django_capture_on_commit_callbacks
):
    for person in crowd:
        visit(person, 2)
    snapshots.recompute(months=1, now=NOW + timedelta(minutes=1))
    client = Client()
    client.force_login(org.camille)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/analytics/community/message/",
            {"segment": "passive", "subject": "Hello", "body": "Vote for the ideas you like!"},
        )
    from accounts.models import Notification
    from analytics.models import SegmentMessage

    message = SegmentMessage.objects.get()
    assert message.reached >= 20
    assert Notification.objects.filter(kind="segment_message").count() == message.reached
    colin = Client()
    colin.force_login(org.colin)
    assert (
        colin.post(
            "/analytics/community/message/", {"segment": "passive", "subject": "x", "body": "y"}
        ).status_code
        == 403
    )


def test_the_same_figures_through_the_api(org, crowd):
    idea(crowd[0])
    snapshots.recompute(months=2, now=NOW + timedelta(minutes=1))
    eve, camille, colin = Client(), Client(), Client()
    eve.force_login(org.eve)
    camille.force_login(org.camille)
    colin.force_login(org.colin)
    eve.get("/analytics/executive/")  # Eve's own visit is recorded first
    page = eve.get("/analytics/data/participation.json?days=90").json()
    api = eve.get("/api/v1/analytics/participation/?days=90").json()
    assert api == page
    assert eve.get("/api/v1/analytics/pipeline/").json()["total"] == 1
    assert "ideas" in eve.get("/api/v1/analytics/cross-silo/").json()
    assert eve.get("/api/v1/analytics/born-innovators/").status_code == 403
    assert camille.get("/api/v1/analytics/born-innovators/").status_code == 200
    assert camille.get("/api/v1/analytics/migration/").json()["segments"]
    assert colin.get("/api/v1/analytics/pipeline/").status_code == 403
    assert eve.get("/api/v1/analytics/unknown/").status_code == 404


def test_participation_by_entity_in_one_query_equals_each_entity_on_its_own(org, crowd, window):
    empty = f.EntityFactory(name="Empty subsidiary", kind="subsidiary", parent=org.group)
    target = idea(org.alice, days=20)
    idea(org.cora, days=400)  # outside the window
    idea(org.colin, days=5, state=S.DRAFT)  # a draft is not "posted"
    vote(org.colin, target)
    vote(crowd[0], target)
    comment(org.cora, target)
    comment(org.cora, target, days=6)  # one person, counted once
    rows = funnels.participation_by_entity(start=window.start, end=window.end)
    assert [row["entity"] for row in rows] == ["Group", "Subsidiary A", "Subsidiary B", "Empty subsidiary"]
    for row in rows:
        alone = funnels.participation(
            start=window.start, end=window.end, entity=Entity.objects.get(pk=row["entity_id"])
        )
        assert row == {"entity": row["entity"], "entity_id": row["entity_id"], **alone}
    group = rows[0]
    assert group["posted"]["people"] == 1
    assert group["voted"]["people"] == 2
    assert rows[-1]["headcount"] == 0
    assert rows[-1]["message"]
    assert empty.pk == rows[-1]["entity_id"]


def test_dashboard_data_is_cached_but_a_decision_shows_at_once(org, settings):
    from tests.helpers import published, submitted

    settings.ANALYTICS_CACHE_SECONDS = 300
    client = Client()
    client.force_login(org.eve)
    published(org.alice, org.theme)
    first = client.get("/analytics/data/pipeline.json").json()
    with mock.patch("analytics.funnels.pipeline", side_effect=AssertionError("recomputed")):
        assert client.get("/analytics/data/pipeline.json").json() == first  # from the cache
        assert client.get("/analytics/data/pipeline.csv").status_code == 200
    assert first["counts"]["published"] == 1
    submitted(org.cora, org.theme)  # a new idea, then a decision: both show at once
    assert client.get("/analytics/data/pipeline.json").json()["counts"]["submitted"] == 1
    idea = Idea.objects.get(state=S.SUBMITTED)
    transition(idea=idea, actor=idea.assignee, to_state=S.PUBLISHED)
    counts = client.get("/analytics/data/pipeline.json").json()["counts"]
    assert counts["published"] == 2
    assert counts["submitted"] == 0
    settings.ANALYTICS_CACHE_SECONDS = 0
    with mock.patch("analytics.funnels.pipeline", return_value={"stages": []}) as computed:
        client.get("/analytics/data/pipeline.json")
    assert computed.called
