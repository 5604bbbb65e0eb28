"""SLA reminders and escalation in working days; merge and undo; two deciders at once."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Notification
from ideas import services
from ideas.models import Follow, Idea, IdeaState, Vote
from moderation import services as moderation
from moderation.models import Assignment, MergeRecord
from moderation.sla import run_sla_checks, working_days_between
from moderation.workflow import IdeaMoved, transition
from tests import factories as f
from tests.conftest import needs_postgres
from tests.helpers import published, submitted
from tests.support.concurrency import run_concurrently

S = IdeaState


def at(day, hour=10, minute=0):
    # November 2026: the 20th is a Friday.
    return timezone.make_aware(datetime(2026, 11, day, hour, minute))


def test_working_days_skip_weekends():
    assert working_days_between(at(20), at(23)) == pytest.approx(1.0)  # Friday 10:00 -> Monday 10:00
    assert working_days_between(at(20), at(27)) == pytest.approx(5.0)


def _working_days_day_by_day(start, end):
    """The plain definition: walk from midnight to midnight, keep Monday to Friday."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    total, cursor = 0.0, start
    while cursor < end:
        next_midnight = (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        segment_end = min(next_midnight, end)
        if cursor.weekday() < 5:
            total += (segment_end - cursor).total_seconds() / 86400
        cursor = segment_end
    return total


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_working_days_in_constant_time_equal_the_day_by_day_walk(start, length):
    start = timezone.make_aware(start)
    end = start + length
    assert working_days_between(start, end) == pytest.approx(_working_days_day_by_day(start, end), abs=1e-6)
    assert working_days_between(end, start) == 0.0


def test_reminder_and_escalation_fire_once_each_on_the_right_working_day(org):
    f.correspondent(org.ops, org.oscar, is_backup=True)
    idea = submitted(org.alice, org.theme)
    Assignment.objects.filter(idea=idea).update(assigned_at=at(20))  # assigned on Friday
    assert run_sla_checks(now=at(25, 9)) == {"reminded": 0, "escalated": 0}  # Wednesday: 2.96 days
    assert run_sla_checks(now=at(26, 10, 1)) == {"reminded": 1, "escalated": 0}  # Thursday: 80%
    assert run_sla_checks(now=at(26, 15)) == {"reminded": 0, "escalated": 0}
    assert run_sla_checks(now=at(27, 9, 59)) == {"reminded": 0, "escalated": 0}
    assert run_sla_checks(now=at(27, 10, 1)) == {"reminded": 0, "escalated": 1}  # next Friday: 100%
    assert run_sla_checks(now=at(30, 12)) == {"reminded": 0, "escalated": 0}
    idea.refresh_from_db()
    assert idea.assignee == org.oscar  # the backup
    kinds = Notification.objects.filter(kind="sla_reminder").values_list("recipient__email", "event_key")
    recipients = sorted(email for email, _key in kinds)
    assert recipients == [
        "camille@example.com",
        "chloe@example.com",
        "chloe@example.com",
        "oscar@example.com",
    ]


def test_merge_moves_votes_without_double_counting_and_undo_restores(org):
    source = published(org.alice, org.theme, title="Duplicate idea about printers")
    target = published(org.cora, org.theme, title="Original idea about printers")
    voters = [f.UserFactory(entity=org.dept_b1) for _ in range(3)]
    for voter in voters:
        services.vote_cast(idea=source, voter=voter)
    services.vote_cast(idea=target, voter=voters[0])  # voted for both
    before = {
        "source": (
            Idea.objects.get(pk=source.pk).state,
            set(Vote.objects.filter(idea=source).values_list("voter_id", flat=True)),
            set(Follow.objects.filter(idea=source).values_list("user_id", flat=True)),
        ),
        "target": (
            set(Vote.objects.filter(idea=target).values_list("voter_id", flat=True)),
            set(Follow.objects.filter(idea=target).values_list("user_id", flat=True)),
        ),
    }
    record = moderation.idea_merge(source=source, target=target, actor=org.chloe)
    target.refresh_from_db()
    source.refresh_from_db()
    assert source.state == S.MERGED
    assert source.merged_into == target
    assert target.vote_count == 3  # 1 existing + 2 new; voter 0 not counted twice
    assert len(record.moved_voter_ids) == 2
    assert Notification.objects.filter(event_key=f"merge:{record.pk}").count() >= 3
    moderation.merge_undo(record=MergeRecord.objects.get(pk=record.pk), actor=org.chloe)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.state == before["source"][0]
    assert source.merged_into is None
    assert set(Vote.objects.filter(idea=source).values_list("voter_id", flat=True)) == before["source"][1]
    assert set(Vote.objects.filter(idea=target).values_list("voter_id", flat=True)) == before["target"][0]
    assert set(Follow.objects.filter(idea=target).values_list("user_id", flat=True)) == before["target"][1]
    assert target.vote_count == 1


def test_stale_version_is_refused(org):
    idea = submitted(org.alice, org.theme)
    version = idea.version
    transition(idea=idea, actor=org.chloe, to_state=S.PUBLISHED, expected_version=version)
    with translation.override("en"), pytest.raises(IdeaMoved, match="moved"):
        transition(idea=idea, actor=org.chloe, to_state=S.SHORTLISTED, expected_version=version)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_correspondents_deciding_at_once_one_wins(org):
    f.correspondent(org.ops, org.oscar)
    idea = submitted(org.alice, org.theme)
    Idea.objects.filter(pk=idea.pk).update(assignee=org.chloe)

    def decide(actor, to_state, reason):
        transition(
            idea=Idea.objects.get(pk=idea.pk),
            actor=actor,
            to_state=to_state,
            reason=reason,
            expected_version=idea.version,
        )
        return "ok"

    results = run_concurrently(decide, [(org.chloe, S.PUBLISHED, ""), (org.oscar, S.REJECTED, "Not now")])
    outcomes = [o.result if o.ok else type(o.error).__name__ for o in results]
    assert sorted(outcomes) == ["IdeaMoved", "ok"]
    assert idea.transitions.exclude(to_state=S.SUBMITTED).count() == 1
