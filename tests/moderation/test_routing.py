"""Routing: never the author, a co-author or anyone in the author's management chain; balanced."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import DomainCorrespondent, User
from ideas import services
from ideas.models import Idea, IdeaState
from moderation import routing
from tests import factories as f
from tests.helpers import draft, submitted


@st.composite
def organisations(draw):
    size = draw(st.integers(min_value=4, max_value=14))
    # manager of person i is one of the people before i (a tree, no cycle) or nobody
    managers = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    correspondents = draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=size))
    author = draw(st.integers(0, size - 1))
    co_authors = draw(st.sets(st.integers(0, size - 1), max_size=2))
    return managers, correspondents, author, co_authors


@pytest.mark.django_db
@given(organisations())
def test_chosen_correspondent_is_never_author_co_author_or_in_the_chain(case):
    managers, correspondents, author_index, co_indexes = case
    DomainCorrespondent.objects.all().delete()
    Idea.objects.all().delete()
    User.objects.update(manager=None)
    User.objects.all().delete()
    entity = f.EntityFactory()
    people = []
    for manager in managers:
        people.append(f.UserFactory(entity=entity, manager=people[manager] if manager is not None else None))
    domain = f.DomainFactory(community_manager=None)
    theme = f.ThemeFactory(domain=domain)
    for index in correspondents:
        f.correspondent(domain, people[index])
    author = people[author_index]
    co_authors = [people[i] for i in co_indexes if i != author_index]
    idea = draft(author, theme, co_authors=co_authors)
    services.idea_submit(idea=idea, actor=author)
    idea.refresh_from_db()
    forbidden = {author.pk, *(c.pk for c in co_authors)}
    for person in [author, *co_authors]:
        walker = person.manager
        while walker is not None:
            forbidden.add(walker.pk)
            walker = walker.manager
    if idea.assignee_id is not None:
        assert idea.assignee_id not in forbidden
        assert not idea.assignment_flagged
    else:
        eligible = {people[i].pk for i in correspondents} - forbidden
        assert not eligible, "an eligible correspondent existed but nobody was assigned"


def test_nobody_eligible_goes_to_the_community_manager_flagged(org):
    DomainCorrespondent.objects.filter(domain=org.ops).exclude(user=org.bob).delete()
    idea = submitted(org.alice, org.theme)
    assert idea.assignee == org.camille
    assert idea.assignment_flagged


def test_load_is_balanced_after_1000_submissions(org):
    people = [f.UserFactory(entity=org.dept_a2) for _ in range(4)]
    for person in people:
        f.correspondent(org.it, person)
    authors = [f.UserFactory(entity=org.dept_b1) for _ in range(10)]
    for i in range(1000):
        author = authors[i % 10]
        idea = Idea.objects.create(
            title=f"Idea {i}", body="body", author=author, domain=org.it, state=IdeaState.SUBMITTED
        )
        routing.route(idea=idea)
    counts = routing.open_assignment_counts(domain_id=org.it.pk)
    eligible = Counter({pk: n for pk, n in counts.items() if pk in {p.pk for p in people} | {org.oscar.pk}})
    assert sum(eligible.values()) == 1000
    assert max(eligible.values()) - min(eligible.values()) <= 1


def test_entity_scoped_correspondent_first(org):
    local = f.UserFactory(entity=org.dept_b1)
    f.correspondent(org.ops, local, entity=org.sub_b)
    idea = submitted(org.alice, org.theme, target_entity=org.dept_b1)
    assert idea.assignee == local


def test_reassignment_respects_eligibility(client, org):
    idea = submitted(org.alice, org.theme)
    client.force_login(org.chloe)
    response = client.post(
        f"/moderation/ideas/{idea.pk}/reassign/", {"email": "bob@example.com"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    idea.refresh_from_db()
    assert idea.assignee == org.chloe
    assert response.status_code == 302
    f.correspondent(org.ops, org.oscar)
    client.post(f"/moderation/ideas/{idea.pk}/reassign/", {"email": "oscar@example.com"})
    idea.refresh_from_db()
    assert idea.assignee == org.oscar
    client.force_login(org.colin)
    client.post(f"/moderation/ideas/{idea.pk}/reassign/", {"email": "chloe@example.com"})
    idea.refresh_from_db()
    assert idea.assignee == org.oscar
