"""The pipeline funnel: each stage counts the ideas that got at least that far, so that no stage
holds more ideas than the one before it and no conversion exceeds 100%."""

import pytest
from django.utils import timezone

from analytics import funnels
from ideas.models import Idea, IdeaState
from tests import factories as f

S = IdeaState
pytestmark = pytest.mark.django_db


def test_each_stage_contains_the_next_one():
    for stage, following in zip(funnels.PIPELINE, funnels.PIPELINE[1:], strict=False):
        assert set(funnels.REACHED[following]) <= set(funnels.REACHED[stage]), (stage, following)


def test_every_state_out_of_draft_was_submitted():
    assert set(funnels.REACHED[S.SUBMITTED]) == set(S.values) - {S.DRAFT}


@pytest.mark.parametrize("per_state", [1, 3])
def test_with_ideas_in_every_state_no_stage_outnumbers_the_one_before(per_state):
    author = f.UserFactory()
    for number, state in enumerate(S.values * per_state):
        Idea.objects.create(
            title=f"Idea {number} ({state})",
            body="body",
            author=author,
            state=state,
            created_at=timezone.now(),
        )
    pipeline = funnels.pipeline()
    stages = pipeline["stages"]
    assert [stage["state"] for stage in stages] == funnels.PIPELINE
    assert stages[0]["reached"] == pipeline["total"] == per_state * (len(S.values) - 1)  # all but draft
    for before, after in zip(stages, stages[1:], strict=False):
        assert after["reached"] <= before["reached"], (before, after)
        assert after["conversion"] is not None
        assert 0 <= after["conversion"] <= 100, after
