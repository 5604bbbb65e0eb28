"""Personal data: Alice downloads everything about her in one click; she (or Ada the admin) erases
her account, and her name disappears while her ideas, comments and votes stay as a former employee's."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Notification, PersonalDataAudit, User
from accounts.privacy import FORMER_EMPLOYEE, personal_data_erase, personal_data_export
from analytics.models import SegmentSnapshot, Visit
from gamification.services import award
from ideas import services
from ideas.models import Comment, Follow, Idea, Vote
from tests.helpers import published

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def alices_world(org):
    """Alice writes, votes, follows and is mentioned; colleagues do the same around her."""
    mine = published(
        org.alice, org.theme, title="Duplex printing everywhere", body="Print on both sides, everywhere."
    )
    coras = published(
        org.cora, org.theme, title="Lights off at night", body="Switch off the lights, @alice agrees."
    )
    services.vote_cast(idea=coras, voter=org.alice)
    services.vote_cast(idea=mine, voter=org.colin)
    services.follow_set(idea=coras, user=org.alice, following=True)
    services.comment_create(idea=coras, author=org.alice, body="Great idea, Cora.")
    services.comment_create(idea=mine, author=org.colin, body="Thanks @alice, I agree.")
    services.comment_create(idea=coras, author=org.colin, body="Colin's own comment.")
    services.vote_cast(idea=coras, voter=org.colin)
    award(user_id=org.alice.pk, rule="comment_helpful", object_key="test:1")
    from django.utils import timezone

    SegmentSnapshot.objects.create(
        user=org.alice, month=timezone.now().date().replace(day=1), segments=["regular"], reasons={"x": 1}
    )
    SegmentSnapshot.objects.create(
        user=org.colin, month=timezone.now().date().replace(day=1), segments=["passive"]
    )
    Visit.objects.create(user=org.alice, day=timezone.now().date())
    Visit.objects.create(user=org.colin, day=timezone.now().date())
    return mine, coras


def test_export_holds_all_of_alices_data_and_nothing_of_others(org, alices_world):
    mine, coras = alices_world
    response = client_for(org.alice).post("/me/data/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.com"
    assert [i["title"] for i in data["ideas"]] == ["Duplex printing everywhere"]
    assert [c["body"] for c in data["comments"]] == ["Great idea, Cora."]
    assert [v["idea_id"] for v in data["votes"]] == [coras.pk]
    assert coras.pk in [f["idea_id"] for f in data["follows"]]
    assert any(p["rule"] == "comment_helpful" for p in data["points"])
    assert "badges" in data
    assert data["notifications"]
    assert all(set(n) >= {"kind", "text"} for n in data["notifications"])
    assert data["segment_snapshots"][0]["segments"] == ["regular"]
    assert len(data["visits"]) == 1
    # her own step (submitting), not the correspondent's decision
    assert [(t["idea_id"], t["to"]) for t in data["moderation_decisions"]] == [(mine.pk, "submitted")]
    dumped = json.dumps(data)
    for foreign in ("Colin's own comment", "colin@example.com", "passive", "Switch off the lights"):
        assert foreign not in dumped, foreign
    assert PersonalDataAudit.objects.filter(actor=org.alice, subject=org.alice, action="export").count() == 1


def test_the_profile_page_has_the_one_click_download(org):
    page = client_for(org.alice).get("/me/").content.decode()
    assert 'action="/me/data/"' in page
    assert "Download my data" in page


def test_nobody_else_can_export_someone_elses_data(org, alices_world):
    assert Client().post("/me/data/").status_code == 302  # anonymous: to the login page
    assert client_for(org.alice).get("/me/data/").status_code == 405  # a POST (CSRF-protected) only
    data = json.loads(
        client_for(org.bob).post("/me/data/", {"user": org.alice.pk, "pk": org.alice.pk}).content
    )
    assert data["profile"]["email"] == "bob@example.com"  # one's own data only, whatever is posted
    for role in (org.bob, org.eve, org.camille):
        response = client_for(role).post(
            "/admin/accounts/user/", {"action": "export_personal_data", "_selected_action": [org.alice.pk]}
        )
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert not PersonalDataAudit.objects.filter(subject=org.alice).exists()


def test_an_admin_exports_through_the_admin_action_audited(org, alices_world):
    response = client_for(org.ada).post(
        "/admin/accounts/user/", {"action": "export_personal_data", "_selected_action": [org.alice.pk]}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["profile"]["email"] == "alice@example.com"
    assert PersonalDataAudit.objects.filter(actor=org.ada, subject=org.alice, action="export").count() == 1


def _counts():
    return (Idea.objects.count(), Comment.objects.count(), Vote.objects.count(), Follow.objects.count())


def _assert_erased(org, mine, coras, before):
    alice = User.objects.get(pk=org.alice.pk)
    assert alice.display_name == FORMER_EMPLOYEE
    assert alice.email.endswith(".invalid")
    assert "alice" not in alice.email
    assert not alice.has_usable_password()
    assert not alice.is_active
    assert alice.erased_at is not None
    assert _counts() == before
    assert Idea.objects.get(pk=mine.pk).author_id == alice.pk
    assert Idea.objects.get(pk=mine.pk).vote_count == 1
    assert Vote.objects.filter(voter=alice).count() == 1
    assert not Notification.objects.filter(recipient=alice).exists()
    assert not SegmentSnapshot.objects.filter(user=alice).exists()
    assert not Visit.objects.filter(user=alice).exists()
    assert not Token.objects.filter(user=alice).exists()
    assert not any(s.get_decoded().get("_auth_user_id") == str(alice.pk) for s in Session.objects.all())
    assert not Notification.objects.filter(text__contains="Alice").exists()
    colleague = client_for(org.colin)
    for path in (
        "/",
        f"/ideas/{mine.pk}/",
        f"/ideas/{coras.pk}/",
        "/ideas/",
        "/ideas/?q=duplex",
        "/me/notifications/",
        "/points/leaderboard/?period=all",
    ):
        page = colleague.get(path)
        assert page.status_code == 200, path
        text = page.content.decode()
        for trace in ("Alice", "alice@", "@alice"):
            assert trace not in text, (path, trace)
    assert "Former employee" in colleague.get(f"/ideas/{mine.pk}/").content.decode()
    assert colleague.get(f"/me/people/{alice.pk}/").status_code == 404
    assert not alice.check_password("correct horse battery staple")


def test_alice_erases_her_account_after_confirming(org, alices_world):
    mine, coras = alices_world
    Token.objects.create(user=org.alice)
    other_device = client_for(org.alice)
    before = _counts()
    alice = client_for(org.alice)
    page = alice.get("/me/erase/")
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()
    refused = alice.post("/me/erase/", {"confirm_email": "someone@example.com"})
    assert refused.status_code == 400
    assert "exactly" in refused.content.decode()
    assert User.objects.get(pk=org.alice.pk).erased_at is None
    done = alice.post("/me/erase/", {"confirm_email": "Alice@Example.com"})
    assert done.status_code == 302
    _assert_erased(org, mine, coras, before)
    assert other_device.get("/me/").status_code == 302  # signed out on every device
    audit = PersonalDataAudit.objects.get(action="erasure")
    assert audit.actor_id == audit.subject_id == org.alice.pk


def test_an_admin_erases_with_a_confirmation_step(org, alices_world):
    mine, coras = alices_world
    before = _counts()
    ada = client_for(org.ada)
    ask = ada.post(
        "/admin/accounts/user/", {"action": "erase_personal_data", "_selected_action": [org.alice.pk]}
    )
    assert ask.status_code == 200
    assert "cannot be undone" in ask.content.decode()
    assert User.objects.get(pk=org.alice.pk).erased_at is None
    done = ada.post(
        "/admin/accounts/user/",
        {"action": "erase_personal_data", "_selected_action": [org.alice.pk], "confirm_erase": "yes"},
    )
    assert done.status_code == 302
    _assert_erased(org, mine, coras, before)
    assert PersonalDataAudit.objects.filter(actor=org.ada, subject=org.alice, action="erasure").count() == 1


def test_erasure_twice_changes_nothing_more(org, alices_world):
    personal_data_erase(user=org.alice, actor=org.ada)
    first = User.objects.get(pk=org.alice.pk)
    personal_data_erase(user=org.alice, actor=org.ada)
    again = User.objects.get(pk=org.alice.pk)
    assert (first.email, first.erased_at) == (again.email, again.erased_at)
    export = personal_data_export(user=again, actor=org.ada)
    assert export["profile"]["display_name"] == FORMER_EMPLOYEE
    assert PersonalDataAudit.objects.filter(subject=org.alice, action="erasure").count() == 2


def test_erasure_ends_sessions_held_in_the_cache_too(org, settings):
    """With Redis, sessions are read from the cache first (cached_db): the erasure deletes that
    copy as well as the database row, so no session data of the person is left anywhere."""
    from importlib import import_module

    from django.core.cache import cache

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    client = Client()
    client.force_login(org.alice)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = store_class(session_key=key)
    assert store.load().get("_auth_user_id") == str(org.alice.pk)
    assert cache.get(store.cache_key) is not None
    personal_data_erase(user=org.alice, actor=org.ada)
    assert cache.get(store.cache_key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert store_class(session_key=key).load() == {}
