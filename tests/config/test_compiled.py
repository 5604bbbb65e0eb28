"""config.compiled: a query compiled once per shape returns what its queryset returns, and a builder
whose SQL depends on anything but its shape and values is refused, not frozen."""

import threading

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import ModelBackend
from accounts.models import User
from config.compiled import CompiledQuery, compiled_query
from ideas import selectors
from ideas.models import Idea
from tests import factories as f
from tests.helpers import draft, published, submitted

FIELDS = ["pk", "title", "state", "author_id", "vote_count", "is_hidden", "assignee_id"]


def _same(found, expected, attributes=FIELDS):
    assert [[getattr(row, name) for name in attributes] for row in found] == [
        [getattr(row, name) for name in attributes] for row in expected
    ]


def _orm_idea_for(user, idea_id, *, viewer_flags=False, only=()):
    """What idea_get_for_user built before it was compiled: the same builder, run by the ORM."""
    shape = (user.is_community_manager, user.is_correspondent, viewer_flags, only)
    return list(selectors._idea_for_user.build(*shape, user_id=user.pk, idea_id=idea_id))


@pytest.fixture
def ideas(org):
    shown = published(org.alice, org.theme, title="Shown to all")
    shown.co_authors.add(org.cora)
    return {
        "shown": shown,
        "draft": draft(org.alice, org.theme, title="Alice's draft"),
        "queued": submitted(org.cora, org.theme, title="In Chloé's queue"),
    }


@pytest.mark.parametrize(("viewer_flags", "only"), [(True, ()), (False, ()), (False, selectors.VOTE_FIELDS)])
def test_the_compiled_idea_is_the_querysets_idea_for_every_role(org, ideas, viewer_flags, only):
    people = [org.alice, org.cora, org.chloe, org.camille, org.colin, org.eve]
    for person in people:
        for idea in ideas.values():
            expected = _orm_idea_for(person, idea.pk, viewer_flags=viewer_flags, only=only)
            with CaptureQueriesContext(connection) as queries:
                found = selectors._idea_for_user.fetch(
                    (person.is_community_manager, person.is_correspondent, viewer_flags, only),
                    user_id=person.pk,
                    idea_id=idea.pk,
                )
            assert len(queries) == 1
            _same(found, expected)
            if found and viewer_flags:
                row, orm = found[0], expected[0]
                for flag in ("voted", "followed", "viewer_co_author", "has_attachments", "has_tags"):
                    assert getattr(row, flag) == getattr(orm, flag), flag
                with CaptureQueriesContext(connection) as queries:  # the joined relations came along
                    names = (row.author.entity.name, row.theme.name, row.domain.name, row.target_entity_id)
                assert len(queries) == 0
                assert names[1] == org.theme.name


def test_visibility_holds_through_the_compiled_idea(org, ideas):
    """Nobody sees another's draft; the correspondent sees their queue; the colleague does not."""
    can_see = {
        (org.alice, "draft"): True,
        (org.colin, "draft"): False,
        (org.chloe, "draft"): False,
        (ideas["queued"].assignee, "queued"): True,  # the correspondent it was routed to
        (org.colin, "queued"): False,
        (org.cora, "shown"): True,
    }
    for (person, name), expected in can_see.items():
        try:
            selectors.idea_get_for_user(user=person, idea_id=ideas[name].pk)
            seen = True
        except Exception:  # Http404
            seen = False
        assert seen is expected, (person.email, name)


def test_the_viewers_vote_shows_at_once(org, ideas):
    from ideas import services

    idea = ideas["shown"]
    assert not selectors.idea_get_for_user(user=org.colin, idea_id=idea.pk, viewer_flags=True).voted
    services.vote_cast(idea=idea, voter=org.colin)
    assert selectors.idea_get_for_user(user=org.colin, idea_id=idea.pk, viewer_flags=True).voted
    # Cora co-wrote it: the compiled flag says so, as the ORM's did.
    assert selectors.idea_get_for_user(user=org.cora, idea_id=idea.pk, viewer_flags=True).viewer_co_author


def test_prefetches_are_kept(org, ideas):
    query = compiled_query(
        lambda *, author_id: Idea.objects.filter(author_id=author_id).prefetch_related("co_authors")
    )
    found = query.fetch((), author_id=org.alice.pk)
    assert {idea.title for idea in found} == {"Shown to all", "Alice's draft"}
    with CaptureQueriesContext(connection) as queries:
        co_authors = {idea.title: [user.pk for user in idea.co_authors.all()] for idea in found}
    assert len(queries) == 0
    assert co_authors == {"Shown to all": [org.cora.pk], "Alice's draft": []}


@pytest.mark.django_db
def test_a_builder_reading_the_clock_is_refused():
    query = CompiledQuery(
        lambda *, author_id: Idea.objects.filter(author_id=author_id, created_at__lte=timezone.now())
    )
    with pytest.raises(ImproperlyConfigured, match="depends on more than"):
        query.fetch((), author_id=1)


@pytest.mark.django_db
def test_a_builder_whose_text_depends_on_a_value_is_refused():
    def build(*, author_id):
        queryset = Idea.objects.filter(author_id=author_id)
        return queryset.filter(is_hidden=False) if author_id % 3 else queryset

    with pytest.raises(ImproperlyConfigured, match="depends on more than"):
        CompiledQuery(build).fetch((), author_id=1)


@pytest.mark.django_db
def test_values_are_ids():
    query = compiled_query(lambda *, author_id: Idea.objects.filter(author_id=author_id))
    with pytest.raises(TypeError, match="integers"):
        query.fetch((), author_id="1")
    with pytest.raises(TypeError, match="integers"):
        query.fetch((), author_id=True)
    with CaptureQueriesContext(connection) as queries:  # no column holds it: nothing, as the ORM says
        assert query.fetch((), author_id=10**30) == []
    assert len(queries) == 0


def test_a_huge_id_in_the_address_is_a_404(client, org, ideas):
    client.force_login(org.colin)
    assert client.get(f"/ideas/{10**30}/").status_code == 404
    assert client.get(f"/ideas/{ideas['shown'].pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_it_on_its_own_connection():
    user = User.objects.create(email="thread@example.com", display_name="Thread")
    query = compiled_query(lambda *, user_id: User.objects.filter(pk=user_id))
    assert query.fetch((), user_id=user.pk)[0].email == "thread@example.com"  # compiled here
    seen = {}

    def other_thread():
        from django.db import connection as its_connection

        seen["rows"] = [row.email for row in query.fetch((), user_id=user.pk)]
        seen["connection"] = id(its_connection.connection)
        its_connection.close()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert seen["rows"] == ["thread@example.com"]
    assert seen["connection"] != id(connection.connection)


def test_the_session_user_is_read_compiled_and_checked(org):
    backend = ModelBackend()
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(org.alice.pk) == org.alice
    assert len(queries) == 1
    assert backend.get_user(10**9) is None
    org.colin.is_active = False
    org.colin.save(update_fields=["is_active"])
    assert backend.get_user(org.colin.pk) is None  # an inactive account is signed out
    assert backend.get_user(str(org.alice.pk)) == org.alice  # another caller's string id


def test_signing_in_stores_our_backend(client, org):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY].startswith("accounts.backends.")
    assert client.get("/ideas/").status_code == 200


@pytest.fixture
def listed(org):
    from ideas import services
    from ideas.models import Tag

    made = [published(org.alice, org.theme, title=f"Idea number {n}") for n in range(5)]
    made += [published(org.cora, org.it_theme, title=f"IT idea {n}") for n in range(4)]
    made.append(submitted(org.colin, org.theme, title="Colin's idea in review"))
    tag = Tag.objects.create(name="Green", slug="green")
    made[1].tags.add(tag)
    made[6].tags.add(tag)
    services.vote_cast(idea=made[2], voter=org.colin)
    services.vote_cast(idea=made[7], voter=org.colin)
    services.follow_set(idea=made[3], user=org.colin, following=True)
    return made


def test_the_compiled_list_is_the_querysets_list_under_every_filter(org, listed):
    from ideas.selectors import CompiledList, IdeaFilters, card_columns, idea_list

    choices = [
        {},
        {"theme": org.theme.pk},
        {"domain": org.it_theme.domain_id, "sort": "supported"},
        {"entity": org.dept_a1.pk, "entity_path": org.dept_a1.path, "sort": "newest"},
        {"entity": org.dept_a1.pk, "entity_path": "no/such/path"},
        {"tag": "green", "sort": "discussed"},
        {"mine": True},
        {"voted": True},
        {"followed": True},
        {"state": "submitted"},
        {"theme": org.theme.pk, "voted": True, "sort": "newest"},
    ]
    for person in (org.colin, org.chloe, org.camille, org.alice):
        for choice in choices:
            filters = IdeaFilters(**choice)
            for start in (0, 3):
                expected = list(card_columns(idea_list(user=person, filters=filters))[start : start + 4])
                found = CompiledList(user=person, filters=filters, per_page=4)[start : start + 4]
                _same(found, expected, attributes=["pk", "title", "vote_count"])
                assert [(idea.voted, idea.followed) for idea in found] == [
                    (idea.voted, idea.followed) for idea in expected
                ], (person.email, choice)
    assert len(CompiledList(user=org.colin, filters=IdeaFilters(voted=True), per_page=20)[0:20]) == 2


def test_the_list_page_shows_a_new_idea_and_vote_at_once(client, org, listed):
    """Compiled once per shape, the list still reads the rows of each request."""
    from ideas import services

    client.force_login(org.colin)
    assert "Brand new idea" not in client.get("/ideas/?sort=newest").content.decode()
    fresh = published(org.alice, org.theme, title="Brand new idea")
    assert "Brand new idea" in client.get("/ideas/?sort=newest").content.decode()
    services.vote_cast(idea=fresh, voter=org.colin)
    page = client.get("/ideas/?voted=on").content.decode()
    assert "Brand new idea" in page
    assert "Idea number 0" not in page  # not supported by Colin


def test_the_wsgi_process_keeps_its_loaded_objects_out_of_the_collector():
    import gc

    import config.wsgi  # noqa: F401  (gunicorn's entry point)

    assert gc.get_freeze_count() > 10_000
