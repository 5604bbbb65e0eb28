"""Query counts are constant in the data size."""

import pytest

from ideas import services
from ideas.models import IdeaState
from moderation.workflow import transition
from tests import factories as f
from tests.helpers import published

LIST_BUDGET = 12
DETAIL_BUDGET = 20


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
