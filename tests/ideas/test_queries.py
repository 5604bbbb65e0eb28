"""Query counts are constant in the data size."""

import pytest

from ideas import services
from ideas.models import Idea, IdeaState
from moderation.workflow import transition
from tests import factories as f
from tests.helpers import published, submitted

LIST_BUDGET = 12
DETAIL_BUDGET = 12  # 10 measured (16 before the viewer flags joined the idea query)


def _ideas(org, n):
    for i in range(n):
        author = f.UserFactory(entity=org.dept_b1)
        idea = services.idea_save_draft(
            author=author,
            title=f"Idea number {i}",
            body="A body long enough",
            theme=org.theme,
            tags=services.tags_from_text("lean, energy"),
        )
        services.idea_submit(idea=idea, actor=author)
        idea.refresh_from_db()
        transition(idea=idea, actor=idea.assignee, to_state=IdeaState.PUBLISHED)
        services.vote_cast(idea=idea, voter=org.colin)


@pytest.mark.parametrize("n", [5, 50])
def test_idea_list_queries_do_not_grow(client, org, django_assert_max_num_queries, n):
    _ideas(org, n)
    client.force_login(org.colin)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get("/ideas/?sort=newest&page=1")
    assert response.status_code == 200
    assert response.content.count(b'class="card idea-card"') == min(n, 20)
    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get("/api/v1/ideas/").status_code == 200


@pytest.mark.parametrize("n", [0, 100])
def test_idea_detail_queries_do_not_grow(client, org, django_assert_max_num_queries, n):
    idea = published(org.alice, org.theme)
    people = [f.UserFactory(entity=org.dept_b1) for _ in range(5)]
    for i in range(n):
        comment = services.comment_create(idea=idea, author=people[i % 5], body=f"Comment {i}")
        if i % 10 == 0:
            services.comment_create(idea=idea, author=people[(i + 1) % 5], body="A reply", parent=comment)
    client.force_login(org.colin)
    with django_assert_max_num_queries(DETAIL_BUDGET):
        response = client.get(f"/ideas/{idea.pk}/")
    assert response.status_code == 200
    assert response.content.count(b'class="comment') >= n


# --- The other main pages: the query count does not grow with the data ----------------------
HOME_BUDGET = 14
QUEUE_BUDGET = 14
LEADERBOARD_BUDGET = 12
EXECUTIVE_BUDGET = 10
EXECUTIVE_DATA = [
    "pipeline.json",
    "participation.json?days=365",
    "participation-by-entity.json?days=365",
    "participation-over-time.json?days=365",
    "gains.json",
    "campaigns.json",
]


def _count_queries(client, path):
    """Queries of one GET (cache emptied first, so that both sizes are measured alike)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def _activity(org, n, start=0):
    """n published ideas with a vote and a comment each, by n new people (points earned too)."""
    for i in range(start, start + n):
        author = f.UserFactory(entity=org.dept_b1 if i % 2 else org.dept_a2)
        idea = published(author, org.theme, title=f"Activity idea {i}")
        services.vote_cast(idea=idea, voter=org.colin)
        services.comment_create(idea=idea, author=f.UserFactory(entity=org.sub_b), body=f"Comment {i}")


def _grows(client, org, paths, budget, more):
    small = {path: _count_queries(client, path) for path in paths}
    more()
    large = {path: _count_queries(client, path) for path in paths}
    for path in paths:
        assert large[path] <= small[path], f"{path}: {small[path]} queries, then {large[path]} with more data"
        limit = budget(path) if callable(budget) else budget
        assert large[path] <= limit, f"{path}: {large[path]} queries, budget {limit}"


def test_home_queries_do_not_grow(client, org):
    _activity(org, 3)
    client.force_login(org.colin)
    _grows(client, org, ["/"], HOME_BUDGET, lambda: _activity(org, 8, start=3))


def test_correspondent_queue_queries_do_not_grow(client, org):
    def submit(n, start):
        for i in range(start, start + n):
            submitted(f.UserFactory(entity=org.dept_b1), org.theme, title=f"Waiting idea {i}")

    submit(2, 0)
    assert Idea.objects.filter(assignee=org.chloe, state=IdeaState.SUBMITTED).exists()
    client.force_login(org.chloe)
    _grows(client, org, ["/moderation/queue/"], QUEUE_BUDGET, lambda: submit(12, 2))


def test_leaderboard_queries_do_not_grow(client, org):
    _activity(org, 3)
    client.force_login(org.colin)
    paths = ["/points/leaderboard/", "/points/leaderboard/?period=all"]
    _grows(client, org, paths, LEADERBOARD_BUDGET, lambda: _activity(org, 8, start=3))


def test_executive_dashboard_queries_do_not_grow(client, org):
    _activity(org, 3)
    client.force_login(org.eve)
    paths = ["/analytics/executive/"] + [f"/analytics/data/{item}" for item in EXECUTIVE_DATA]
    from accounts.models import Entity

    # Participation by entity answers per group and subsidiary (structure, not data): 6 each.
    top = Entity.objects.filter(kind__in=[Entity.Kind.GROUP, Entity.Kind.SUBSIDIARY]).count()

    def budget(path):
        return 1 + 6 * top if "by-entity" in path else EXECUTIVE_BUDGET

    _grows(client, org, paths, budget, lambda: _activity(org, 8, start=3))


def test_list_count_in_two_parts_equals_the_list(org):
    """selectors.idea_list_count counts apart what everybody sees and the hidden ideas one may see:
    the same number as counting the list itself, for every kind of person and filter."""
    from ideas.selectors import IdeaFilters, idea_list, idea_list_count

    shown = [published(org.alice, org.theme, title=f"Shown {i}") for i in range(3)]
    published(org.colin, org.it_theme, title="Shown in IT")
    hidden_own = published(org.alice, org.theme, title="Hidden, by Alice")
    hidden_other = published(org.cora, org.it_theme, title="Hidden, by Cora")
    Idea.objects.filter(pk__in=[hidden_own.pk, hidden_other.pk]).update(is_hidden=True)
    submitted(org.alice, org.theme, title="Waiting")
    Idea.objects.filter(pk=shown[0].pk).update(state=IdeaState.MERGED, merged_into=shown[1])
    cases = [
        IdeaFilters(),
        IdeaFilters(theme=org.theme.pk),
        IdeaFilters(q="Hidden"),
        IdeaFilters(sort="newest", domain=org.it.pk),
        IdeaFilters(state=IdeaState.PUBLISHED),
        IdeaFilters(mine=True),
    ]
    counts = {}
    for user in (org.colin, org.alice, org.chloe, org.oscar, org.camille, org.eve):
        for index, filters in enumerate(cases):
            expected = idea_list(user=user, filters=filters).count()
            assert idea_list_count(user=user, filters=filters) == expected, (user.email, filters)
            counts[(user.email, index)] = expected
    # The hidden ideas do count for those who may see them, and only for them.
    assert counts[("colin@example.com", 0)] == 3
    assert counts[("alice@example.com", 0)] == 3 + 1
    assert counts[("camille@example.com", 0)] == 3 + 2


def test_card_pages_read_no_column_per_card(client, org):
    """Cards read a few columns (selectors.CARD_FIELDS): nothing a card shows may be left out, or
    each card would cost a query. Anonymous ideas (labelled by entity), ideas with and without a
    campaign, by one person (the person page, "my ideas") and by others."""
    campaign = f.CampaignFactory(theme=org.theme)

    def more(n, start):
        for i in range(start, start + n):
            idea = published(org.alice, org.theme, title=f"Card idea {i}", is_anonymous=i % 2 == 0)
            if i % 3 == 0:
                Idea.objects.filter(pk=idea.pk).update(campaign=campaign)
            services.vote_cast(idea=idea, voter=org.colin)

    more(3, 0)
    client.force_login(org.colin)
    paths = [
        "/ideas/",
        "/ideas/?sort=newest",
        "/",
        f"/ideas/campaigns/{campaign.slug}/",
        f"/me/people/{org.alice.pk}/",
    ]
    _grows(client, org, paths, LIST_BUDGET + 2, lambda: more(12, 3))
    page = client.get("/ideas/?sort=newest").content.decode()
    assert page.count('class="card idea-card"') == 15
    assert campaign.title in page
    assert org.theme.name in page
    assert org.alice.display_name in page  # the named ideas
    assert "an employee of" in page  # the anonymous ones, labelled by entity

    client.force_login(org.alice)
    assert _count_queries(client, "/ideas/mine/") <= LIST_BUDGET
    assert client.get("/ideas/mine/").content.decode().count('class="card idea-card"') == 15


def test_the_idea_page_reads_co_authorship_with_the_idea(org, django_assert_num_queries):
    from ideas import selectors

    idea = published(org.alice, org.theme)
    idea.co_authors.add(org.bob)
    for person, expected in ((org.bob, True), (org.colin, False), (org.alice, True)):
        with django_assert_num_queries(1):
            shown = selectors.idea_get_for_user(user=person, idea_id=idea.pk, viewer_flags=True)
            assert selectors.is_author(user=person, idea=shown) is expected
    shown = selectors.idea_get_for_user(user=org.colin, idea_id=idea.pk, viewer_flags=True)
    shown.co_authors.add(org.colin)  # forgotten on change: asked again
    assert selectors.is_author(user=org.colin, idea=shown) is True


def test_home_reads_no_column_apart_for_campaigns_and_my_ideas(client, org):
    client.force_login(org.alice)
    empty = _count_queries(client, "/")
    campaigns = [f.CampaignFactory(theme=org.theme) for _ in range(3)]
    mine = [published(org.alice, org.theme, title=f"Idea of Alice number {i}") for i in range(3)]
    assert _count_queries(client, "/") <= empty
    page = client.get("/").content.decode()
    for campaign in campaigns:
        assert campaign.title in page
        assert campaign.get_absolute_url() in page
    for idea in mine:
        assert idea.title in page
        assert idea.get_absolute_url() in page
