"""The list's count of ideas everybody sees is cached, and exact after every change that moves it:
a publication, a decline or an archive (transitions), a hidden or restored idea, an import."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas.fragments import listed_changed
from ideas.models import Idea, IdeaState
from ideas.selectors import IdeaFilters, idea_list, idea_list_count
from moderation import services as moderation
from moderation.routing import assign
from moderation.workflow import transition
from tests import factories as f
from tests.helpers import published, submitted

pytestmark = pytest.mark.django_db


def _count(user, **filters):
    return idea_list_count(user=user, filters=IdeaFilters(**filters))


def _true_count(user, **filters):
    return idea_list(user=user, filters=IdeaFilters(**filters)).count()


def test_the_count_is_cached_and_follows_every_change(org):
    first = published(org.alice, org.theme, title="Cheaper printing")
    published(org.cora, org.theme, title="Shared bikes")
    assert _count(org.colin) == _true_count(org.colin) == 2
    with CaptureQueriesContext(connection) as queries:
        assert _count(org.colin) == 2
    assert len(queries) == 0  # both parts from the cache (listed, and hidden ones this person sees)

    third = submitted(org.dana, org.theme, title="Later canteen hours")
    assert _count(org.colin) == 2  # submitted: not listed yet
    transition(idea=third, actor=third.assignee, to_state=IdeaState.PUBLISHED)
    assert _count(org.colin) == _true_count(org.colin) == 3
    assert _count(org.colin, theme=org.theme.pk) == 3

    reporters = f.UserFactory.create_batch(3, entity=org.dept_b1)
    for reporter in reporters:
        moderation.report_create(reporter=reporter, idea=first, reason="Off topic")
    assert _count(org.colin) == _true_count(org.colin) == 2  # hidden by three reports
    # Hidden: still counted for its author, the community manager and a new co-author.
    assert _count(org.alice) == _true_count(org.alice) == 3
    assert _count(org.camille) == _true_count(org.camille) == 3
    first.co_authors.add(org.colin)
    assert _count(org.colin) == _true_count(org.colin) == 3
    first.co_authors.remove(org.colin)
    assert _count(org.colin) == _true_count(org.colin) == 2
    handler = f.UserFactory(entity=org.dept_b1)
    assert _count(handler) == 2
    first.refresh_from_db()
    assign(idea=first, correspondent=handler)  # an update, no signal: handlers see it hidden
    assert _count(handler) == _true_count(handler) == 3
    moderation.report_review(actor=org.camille, decision="restored", reason="Fine", idea=first)
    assert _count(org.colin) == _true_count(org.colin) == 3

    Idea.objects.filter(pk=first.pk).update(state=IdeaState.ARCHIVED)  # a bulk path, no signal
    Idea.objects.filter(pk=first.pk).update(state=IdeaState.MERGED)
    listed_changed()  # what imports and the seed call after their bulk statements
    assert _count(org.colin) == _true_count(org.colin) == 2
