"""Nobody sees another's draft, or a submitted idea they do not handle: a test per route."""

import json

import pytest
from django.test import Client

from ideas import selectors
from tests.helpers import draft, published, submitted


@pytest.fixture
def hidden(org):
    mine_draft = draft(org.alice, org.theme, title="Secret draft about printers")
    in_review = submitted(org.alice, org.theme, title="Submitted printers proposal")
    visible = published(org.cora, org.theme, title="Published printers proposal")
    return {"draft": mine_draft, "submitted": in_review, "public": visible}


def as_user(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


ROUTES = [
    ("page", lambda idea: f"/ideas/{idea.pk}/"),
    ("api", lambda idea: f"/api/v1/ideas/{idea.pk}/"),
    ("api-comments", lambda idea: f"/api/v1/ideas/{idea.pk}/comments/"),
]


@pytest.mark.parametrize(("route", "url"), ROUTES)
def test_a_colleague_gets_404_on_drafts_and_submitted_ideas(org, hidden, route, url):
    client = as_user(org.colin)
    assert client.get(url(hidden["draft"])).status_code == 404
    assert client.get(url(hidden["submitted"])).status_code == 404
    assert client.get(url(hidden["public"])).status_code == 200


@pytest.mark.parametrize(("route", "url"), ROUTES)
def test_the_authors_manager_does_not_see_the_submitted_idea(org, hidden, route, url):
    client = as_user(org.bob)
    assert client.get(url(hidden["submitted"])).status_code == 404


def test_the_author_and_the_assigned_correspondent_see_it(org, hidden):
    assert hidden["submitted"].assignee == org.chloe
    assert as_user(org.alice).get(f"/ideas/{hidden['submitted'].pk}/").status_code == 200
    assert as_user(org.chloe).get(f"/ideas/{hidden['submitted'].pk}/").status_code == 200
    assert as_user(org.chloe).get(f"/ideas/{hidden['draft'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/ideas/?q=printers",
        "/ideas/?state=submitted",
        "/ideas/?state=draft",
        "/api/v1/ideas/?q=printers",
        "/api/v1/ideas/?state=draft",
        "/ideas/similar/?title=printers proposal",
        "/api/v1/ideas/similar/?title=printers proposal",
    ],
)
def test_lists_search_and_suggestions_do_not_leak(org, hidden, path):
    body = as_user(org.colin).get(path).content.decode()
    assert "Secret draft" not in body
    assert "Submitted printers" not in body


def test_votes_comments_and_follows_on_hidden_ideas_are_404(org, hidden):
    client = as_user(org.colin)
    for idea in (hidden["draft"], hidden["submitted"]):
        assert client.post(f"/ideas/{idea.pk}/vote/").status_code == 404
        assert client.post(f"/ideas/{idea.pk}/follow/").status_code == 404
        assert client.post(f"/ideas/{idea.pk}/comments/", {"body": "hi"}).status_code == 404
        assert client.get(f"/ideas/{idea.pk}/edit/").status_code == 404
        assert client.put(f"/api/v1/ideas/{idea.pk}/vote/").status_code == 404


def test_only_the_author_edits_a_draft(org, hidden):
    assert as_user(org.alice).get(f"/ideas/{hidden['draft'].pk}/edit/").status_code == 200
    assert as_user(org.cora).get(f"/ideas/{hidden['draft'].pk}/edit/").status_code == 404
    response = as_user(org.colin).put(
        f"/api/v1/ideas/{hidden['draft'].pk}/",
        data=json.dumps({"title": "Taken over", "body": "Not mine at all", "theme": org.theme.pk}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_anonymous_idea_shows_the_entity_to_colleagues_only(org):
    idea = published(org.alice, org.theme, is_anonymous=True, title="Anonymous proposal here")
    page = as_user(org.colin).get(f"/ideas/{idea.pk}/").content.decode()
    assert "an employee of Dept A1" in page
    assert "Alice" not in page
    api = as_user(org.colin).get(f"/api/v1/ideas/{idea.pk}/").json()
    assert api["author"] == "an employee of Dept A1"
    assert "Alice" in as_user(org.alice).get(f"/ideas/{idea.pk}/").content.decode()
    assert selectors.author_label(user=org.chloe, idea=idea) == "Alice"  # the correspondent handling it
    assert selectors.author_label(user=org.camille, idea=idea) == "an employee of Dept A1"
    person_page = as_user(org.colin).get(f"/me/people/{org.alice.pk}/").content.decode()
    assert "Anonymous proposal here" not in person_page


def test_a_new_role_or_co_authorship_changes_what_one_sees_at_once(org, hidden):
    """The visibility filter is kept per process for each person and role (selectors._visible_base):
    a role given or taken, or a co-authorship, applies on the next request."""
    colin = org.colin
    in_review = hidden["submitted"]
    assert not selectors.ideas_visible_to(user=colin).filter(pk=in_review.pk).exists()
    colin.is_community_manager = True
    colin.save(update_fields=["is_community_manager"])
    assert as_user(colin).get(f"/ideas/{in_review.pk}/").status_code == 200
    colin.is_community_manager = False
    colin.save(update_fields=["is_community_manager"])
    assert as_user(colin).get(f"/ideas/{in_review.pk}/").status_code == 404
    hidden["draft"].co_authors.add(colin)
    assert as_user(colin).get(f"/ideas/{hidden['draft'].pk}/").status_code == 200
