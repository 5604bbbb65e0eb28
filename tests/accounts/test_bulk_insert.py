"""config.bulk: rows written by COPY (Postgres) or bulk_create (elsewhere) read back as given, with
the model's defaults, in order; conflicts skipped on request; bulk_load_tables puts every foreign
key and index back and still refuses a dangling reference."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from analytics.models import SegmentSnapshot, Visit
from config.bulk import bulk_insert, bulk_load_tables, reserve_ids
from ideas.models import Comment, Idea, Vote
from moderation.models import Assignment
from tests.conftest import needs_postgres

AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _idea(org, **extra):
    return Idea.objects.create(title="T", body="B", author=org.alice, theme=org.theme, **extra)


@pytest.mark.django_db
def test_values_come_back_as_given_with_the_model_defaults(org):
    idea = _idea(org, estimated_gain=Decimal("40000"))
    awkward = "tab\there\nnew line \\N back\\slash\r end, \"quoted\" 'single' é 🎉"
    written = bulk_insert(
        Comment,
        ("idea_id", "author_id", "body", "body_html", "created_at", "helpful_at"),
        [(idea.pk, org.bob.pk, awkward, "", AT, None), (idea.pk, org.cora.pk, "", "<p>x</p>", AT, AT)],
    )
    assert written == 2
    first, second = Comment.objects.order_by("pk")
    assert (first.body, first.created_at, first.helpful_at, first.parent_id) == (awkward, AT, None, None)
    assert (second.body, second.body_html, second.helpful_at) == ("", "<p>x</p>", AT)
    assert (first.is_hidden, first.deleted_at, first.external_id) == (False, None, None)
    assert first.pk < second.pk  # in the order given

    reasons = {"facilitator": {"share_on_others": 0.67, "authors_helped": 3}, "why": "a\tb\nc"}
    bulk_insert(
        SegmentSnapshot,
        ("user_id", "month", "segments", "reasons", "influence", "computed_at"),
        [(org.alice.pk, date(2026, 3, 1), ["facilitator", "regular"], reasons, 1 / 3, AT)],
    )
    snapshot = SegmentSnapshot.objects.get()
    assert (snapshot.segments, snapshot.reasons) == (["facilitator", "regular"], reasons)
    assert (snapshot.influence, snapshot.month) == (1 / 3, date(2026, 3, 1))


@pytest.mark.django_db
def test_every_field_left_out_gets_its_default(org):
    bulk_insert(
        Idea,
        ("title", "body", "author_id", "theme_id", "estimated_gain", "is_anonymous", "created_at"),
        [("Bulk", "Body", org.alice.pk, org.theme.pk, Decimal("12.5"), True, AT)],
    )
    idea = Idea.objects.get(title="Bulk")
    assert (idea.state, idea.version, idea.vote_count, idea.trending_score) == ("draft", 1, 0, 0.0)
    assert (idea.estimated_gain, idea.is_anonymous) == (Decimal("12.5"), True)
    assert (idea.created_at, idea.decision_reason) == (AT, "")
    assert idea.updated_at is not None


@pytest.mark.django_db
def test_a_missing_or_naive_value_is_refused(org):
    idea = _idea(org)
    columns = ("idea_id", "author_id", "body", "created_at")
    for row in ((idea.pk, org.bob.pk, None, AT), (idea.pk, org.bob.pk, "x", None)):
        with pytest.raises((ValueError, IntegrityError)), transaction.atomic():
            bulk_insert(Comment, columns, [row])
    if connection.vendor == "postgresql":  # bulk_create warns and reads it in the default timezone
        with pytest.raises(ValueError, match="aware"), transaction.atomic():
            bulk_insert(Comment, columns, [(idea.pk, org.bob.pk, "x", AT.replace(tzinfo=None))])
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_conflicts_are_skipped_on_request_and_refused_otherwise(org):
    idea = _idea(org)
    Vote.objects.create(idea=idea, voter=org.bob)
    rows = [(idea.pk, org.bob.pk, AT), (idea.pk, org.cora.pk, AT), (idea.pk, org.cora.pk, AT)]
    bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), rows, ignore_conflicts=True)
    assert sorted(Vote.objects.values_list("voter_id", flat=True)) == sorted([org.bob.pk, org.cora.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), [(idea.pk, org.bob.pk, AT)])


@pytest.mark.django_db
def test_ignored_conflicts_keep_the_order_of_the_rows(org):
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(30)]
    Visit.objects.create(user=org.alice, day=days[3])
    bulk_insert(Visit, ("user_id", "day"), [(org.alice.pk, d) for d in reversed(days)], ignore_conflicts=True)
    stored = list(Visit.objects.exclude(day=days[3]).order_by("pk").values_list("day", flat=True))
    assert stored == [d for d in reversed(days) if d != days[3]]


@pytest.mark.django_db
def test_reserved_ids_are_those_an_insert_would_have_given(org):
    first = _idea(org)
    reserved = reserve_ids(Idea, 3)
    assert reserved == sorted(reserved)
    assert len(set(reserved)) == 3
    assert reserved[0] > first.pk
    rows = [(f"Idea {pk}", "Body", org.alice.pk, org.theme.pk, AT, pk) for pk in reserved]
    bulk_insert(Idea, ("title", "body", "author_id", "theme_id", "created_at", "id"), rows)
    assert list(Idea.objects.filter(pk__in=reserved).order_by("pk").values_list("title", flat=True)) == [
        f"Idea {pk}" for pk in reserved
    ]
    assert _idea(org).pk > reserved[-1]  # the next insert comes after them


def _schema(tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables, tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) ORDER BY 1",
            [tables],
        )
        return constraints, cursor.fetchall()


@needs_postgres
@pytest.mark.django_db
def test_bulk_load_puts_back_every_key_and_index(org):
    tables = ["ideas_vote", "ideas_idea"]
    before = _schema(tables)
    idea = _idea(org)
    with transaction.atomic(), bulk_load_tables([Vote, Idea]):
        assert _schema(tables) != before
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), [(idea.pk, org.bob.pk, AT)])
    assert _schema(tables) == before
    assert Vote.objects.filter(idea=idea).count() == 1


@needs_postgres
@pytest.mark.django_db
def test_bulk_load_of_unique_keys_puts_them_back_and_refuses_a_duplicate(org):
    tables = ["ideas_vote", "moderation_assignment"]
    before = _schema(tables)
    idea = _idea(org)
    with transaction.atomic(), bulk_load_tables([Vote, Assignment], unique=True):
        assert "vote_once_per_idea" not in str(_schema(tables))
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), [(idea.pk, org.bob.pk, AT)])
    assert _schema(tables) == before
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_load_tables([Vote], unique=True):
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), [(idea.pk, org.bob.pk, AT)])
    assert _schema(tables) == before
    assert Vote.objects.filter(idea=idea).count() == 1


@needs_postgres
@pytest.mark.django_db
def test_bulk_load_still_refuses_a_dangling_reference(org):
    tables = ["ideas_vote"]
    before = _schema(tables)
    idea = _idea(org)
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_load_tables([Vote]):
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), [(idea.pk + 1000, org.bob.pk, AT)])
    assert _schema(tables) == before


@needs_postgres
def test_bulk_load_needs_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"), bulk_load_tables([Vote]):
        pass
