"""Badges are idempotent and race-free; leaderboards agree with the ledger and respect opt-out."""

import logging

import pytest
from badgify.models import Award
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Notification, User
from gamification.badges import badges_award
from gamification.badgify_recipes import FirstIdea
from gamification.models import PointEntry
from gamification.selectors import leaderboard
from gamification.services import award
from ideas import services
from tests import factories as f
from tests.conftest import needs_postgres
from tests.helpers import published
from tests.support.concurrency import run_concurrently


def test_badges_are_awarded_once_and_recompute_awards_nothing_new(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # badges are computed by a task after commit
        idea = published(org.alice, org.theme)
        for _ in range(2):
            for person in [f.UserFactory(entity=e) for e in (org.dept_a2, org.dept_b1, org.sub_b)]:
                services.vote_cast(idea=idea, voter=person)
    slugs = set(Award.objects.filter(user=org.alice).values_list("badge__slug", flat=True))
    assert {"first-idea", "prolific-author-1", "bridge-builder"} <= slugs
    assert badges_award() == {}  # a second run awards nothing new
    assert Award.objects.filter(user=org.alice, badge__slug="first-idea").count() == 1
    assert (
        Notification.objects.filter(recipient=org.alice, kind="badge", event_key="badge:first-idea").count()
        == 1
    )


def test_a_failing_recipe_is_logged_and_the_others_go_on(org, monkeypatch, caplog):
    published(org.alice, org.theme)
    Award.objects.all().delete()

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(FirstIdea, "candidates", broken)
    with caplog.at_level(logging.ERROR):
        awarded = badges_award()
    assert "first-idea" not in awarded
    assert "prolific-author-1" in awarded
    assert "badge recipe first-idea failed" in caplog.text


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_awards_write_one_row(org):
    def give():
        return award(user_id=org.alice.pk, rule="idea_published", object_key="idea:424242")

    outcomes = run_concurrently(give, [()] * 50)
    assert all(o.ok for o in outcomes)
    assert sum(o.result is not None for o in outcomes) == 1
    assert PointEntry.objects.filter(user=org.alice, object_key="idea:424242").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_capped_awards_stop_at_the_daily_cap(org):
    """Fifteen votes given at once by one person (each on another idea): 10 points, the day's cap,
    and the awards that went beyond it are not written at all."""

    def give(n):
        return award(user_id=org.colin.pk, rule="vote_given", object_key=f"idea:{9000 + n}")

    outcomes = run_concurrently(give, [(n,) for n in range(15)])
    assert [o.error for o in outcomes if not o.ok] == []
    entries = PointEntry.objects.filter(user=org.colin, rule="vote_given")
    assert sum(entries.values_list("points", flat=True)) == 10
    assert entries.count() == 10
    assert sum(o.result is not None for o in outcomes) == 10


def test_an_award_takes_what_is_left_of_the_cap(org):
    from gamification.models import PointRule
    from gamification.services import rules_ensure_defaults, rules_forget

    rules_ensure_defaults()
    assert PointRule.objects.filter(code="comment", daily_cap=20).update(points=3) == 1
    rules_forget()
    awards = [award(user_id=org.colin.pk, rule="comment", object_key=f"comment:{n}") for n in range(8)]
    assert [entry.points if entry else None for entry in awards] == [3, 3, 3, 3, 3, 3, 2, None]
    stored = PointEntry.objects.filter(user=org.colin, rule="comment").order_by("id")
    assert [(e.pk, e.points) for e in stored] == [(e.pk, e.points) for e in awards if e is not None]
    assert award(user_id=org.colin.pk, rule="comment", object_key="comment:0") is None  # once ever


@pytest.mark.django_db
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 40)), min_size=1, max_size=25),
    st.sets(st.integers(0, 5), max_size=2),
)
def test_leaderboard_agrees_with_a_plain_recomputation(entries, hidden):
    cache.clear()  # the ranking is kept for a minute: each example starts without it
    PointEntry.objects.all().delete()
    User.objects.all().delete()
    people = [f.UserFactory(hide_from_leaderboards=i in hidden) for i in range(6)]
    for n, (who, points) in enumerate(entries):
        PointEntry.objects.create(user=people[who], rule="comment", object_key=f"k{n}", points=points)
    expected: dict[int, int] = {}
    for who, points in entries:
        if who not in hidden:
            expected[people[who].pk] = expected.get(people[who].pk, 0) + points
    ranked = sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    rows = leaderboard(period="all")
    assert [(row["user"].pk, row["points"]) for row in rows] == ranked
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("people", [3, 40])
def test_leaderboard_page_queries_are_constant(client, org, django_assert_max_num_queries, people):
    for i in range(people):
        person = f.UserFactory(entity=org.dept_b1)
        PointEntry.objects.create(user=person, rule="comment", object_key=f"x{i}", points=i + 1)
    org.colin.hide_from_leaderboards = True
    org.colin.save()
    PointEntry.objects.create(user=org.colin, rule="comment", object_key="colin", points=999)
    client.force_login(org.colin)
    with django_assert_max_num_queries(8):
        response = client.get("/points/leaderboard/?period=month")
    assert response.status_code == 200
    assert "Colin" not in response.content.decode().split("<tbody>")[1]


def test_the_ranking_is_kept_a_minute_but_an_opt_out_applies_at_once(org):
    PointEntry.objects.create(user=org.alice, rule="comment", object_key="a", points=5)
    PointEntry.objects.create(user=org.bob, rule="comment", object_key="b", points=3)
    assert [row["user"].pk for row in leaderboard(period="all")] == [org.alice.pk, org.bob.pk]
    PointEntry.objects.create(user=org.bob, rule="comment", object_key="b2", points=10)
    assert [row["points"] for row in leaderboard(period="all")] == [5, 3]  # within the minute
    org.alice.hide_from_leaderboards = True
    org.alice.save()
    rows = leaderboard(period="all")
    assert [(row["rank"], row["user"].pk) for row in rows] == [(1, org.bob.pk)]  # at once, ranks renumbered
    cache.clear()  # the minute is over
    assert [row["points"] for row in leaderboard(period="all")] == [13]


def test_a_capped_award_is_two_statements(org, django_assert_num_queries):
    """The person's row locked, then the award within the cap (where an existence check, the day's
    sum and the insert were three more round trips on every vote and comment)."""
    from gamification.services import rules_ensure_defaults

    rules_ensure_defaults()
    award(user_id=org.colin.pk, rule="vote_given", object_key="idea:1")  # the rule read once
    with django_assert_num_queries(2):
        assert award(user_id=org.colin.pk, rule="vote_given", object_key="idea:2").points == 1
    with django_assert_num_queries(2):
        assert award(user_id=org.colin.pk, rule="vote_given", object_key="idea:2") is None
