"""What the API answers when a request goes wrong, as an outside tester drives it (schemathesis and
by hand): the status a client can act on, an error body of one shape, a message that says why, and
a schema that lists all of it."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from ideas import services
from ideas.models import Comment, Idea, IdeaState
from tests import factories as f
from tests.helpers import draft, published, submitted

pytestmark = pytest.mark.django_db
HUGE = "722750253460193935360"


def api(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    return client


def schema(client):
    return client.get("/api/schema/?format=json").json()


# --- The schema lists the errors ------------------------------------------------------------------
def test_every_operation_documents_its_errors(org):
    document = schema(api(org.colin))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
            if "requestBody" in operation:
                assert {"400", "415"} <= codes, where
            if method != "get":
                assert {"400", "429"} <= codes, where
    assert "409" in document["paths"]["/api/v1/ideas/{id}/decide/"]["post"]["responses"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert error["properties"]["detail"]["type"] == "string"


def test_a_refusal_of_the_service_says_why_in_one_detail_string(org):
    """The state machine's and the vote's refusals came as {"detail": ["..."]}, a list, where every
    other error of the API has a string (and the schema says so)."""
    idea = published(org.alice, org.theme)
    client = api(org.alice)
    refused = client.put(f"/api/v1/ideas/{idea.pk}/vote/")  # her own idea
    assert refused.status_code == 400
    assert isinstance(refused.json()["detail"], str)
    moved = api(org.chloe).post(
        f"/api/v1/ideas/{idea.pk}/decide/", {"to_state": IdeaState.DRAFT}, content_type="application/json"
    )
    assert moved.status_code in (400, 403)
    assert isinstance(moved.json()["detail"], str)


# --- Filters ---------------------------------------------------------------------------------------
def test_a_filter_value_that_is_none_is_refused_not_ignored(org):
    """?state=publised answered every idea, as if they were the published ones."""
    published(org.alice, org.theme)
    client = api(org.colin)
    response = client.get("/api/v1/ideas/?state=publised&theme=abc&sort=best&mine=perhaps")
    assert response.status_code == 400
    assert set(response.json()) == {"state", "theme", "sort", "mine"}
    assert client.get(f"/api/v1/ideas/?campaign={HUGE}").status_code == 400
    assert client.get("/api/v1/ideas/?domain=0").status_code == 400


def test_valid_and_empty_filters_still_select(org):
    idea = published(org.alice, org.theme)
    submitted(org.alice, org.it_theme)
    client = api(org.colin)
    rows = client.get(f"/api/v1/ideas/?state=published&theme={org.theme.pk}&sort=supported").json()
    assert [row["id"] for row in rows["results"]] == [idea.pk]
    assert client.get("/api/v1/ideas/?state=&theme=&mine=").json()["count"] == 1  # empty: no filter
    assert client.get("/api/v1/ideas/?mine=true").json()["count"] == 0


def test_similar_ideas_without_a_title_find_none_as_the_schema_says(org):
    client = api(org.colin)
    assert client.get("/api/v1/ideas/similar/").json() == []
    parameters = schema(client)["paths"]["/api/v1/ideas/similar/"]["get"]["parameters"]
    assert not next(p for p in parameters if p["name"] == "title").get("required")


# --- Authentication ----------------------------------------------------------------------------------
def test_no_or_a_bad_token_is_401_asking_for_a_token(org):
    """It was 403 (the session came first), which tells a phone app "not allowed", not "sign in"."""
    anonymous = api(None).get("/api/v1/ideas/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    bad = api(None).get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401


def test_a_stale_token_does_not_stop_signing_in_again(org):
    response = api(None).post(
        "/api/v1/auth/token/",
        {"username": org.colin.email, "password": f.PASSWORD},
        HTTP_AUTHORIZATION="Token revoked-long-ago",
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_session_still_reads_the_api(client, org):
    client.force_login(org.colin)
    assert client.get("/api/v1/me/").json()["email"] == org.colin.email


# --- Editing -------------------------------------------------------------------------------------------
IDEA = {"title": "Badge readers that work", "body": "They fail in the rain."}


def test_an_idea_one_can_read_but_not_change_is_403_saying_why(org):
    """It was 404 "Not found." for an idea the same client had just read."""
    idea = published(org.alice, org.theme)
    data = {**IDEA, "theme": org.theme.pk}
    for user, message in [(org.alice, "can no longer be edited"), (org.colin, "Only the authors")]:
        client = api(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert client.get(f"/api/v1/ideas/{idea.pk}/").status_code == 200
        response = client.put(f"/api/v1/ideas/{idea.pk}/", data, content_type="application/json")
        assert response.status_code == 403
        assert message in response.json()["detail"]
        assert client.post(f"/api/v1/ideas/{idea.pk}/submit/").status_code == 403
    idea.refresh_from_db()
    assert idea.title != IDEA["title"]


def test_someone_elses_draft_stays_not_found(org):
    hidden = draft(org.alice, org.theme)
    client = api(org.colin)
    response = client.put(f"/api/v1/ideas/{hidden.pk}/", {**IDEA, "theme": org.theme.pk}, "application/json")
    assert response.status_code == 404
    assert client.post(f"/api/v1/ideas/{hidden.pk}/submit/").status_code == 404
    for pk in (HUGE, "9223372036854775808", "٣", "0"):
        assert client.put(f"/api/v1/ideas/{pk}/", {}, "application/json").status_code == 404, pk
        assert client.post(f"/api/v1/ideas/{pk}/submit/").status_code == 404, pk


def test_the_author_still_edits_and_submits_a_draft(org):
    idea = draft(org.alice, org.theme)
    client = api(org.alice)
    response = client.put(f"/api/v1/ideas/{idea.pk}/", {**IDEA, "theme": org.theme.pk}, "application/json")
    assert response.status_code == 200, response.content
    assert client.post(f"/api/v1/ideas/{idea.pk}/submit/").json()["state"] == IdeaState.SUBMITTED


# --- Comments --------------------------------------------------------------------------------------------
def test_a_reply_to_no_comment_of_this_idea_is_a_field_error(org):
    idea = published(org.alice, org.theme)
    elsewhere = published(org.cora, org.theme, title="Another idea entirely")
    other = services.comment_create(idea=elsewhere, author=org.cora, body="Elsewhere")
    client = api(org.colin)
    for parent in (other.pk, 0, -5, int(HUGE)):
        response = client.post(
            f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Agreed", "parent": parent}, "application/json"
        )
        assert response.status_code == 400, parent
        assert isinstance(response.json()["parent"], list), parent  # as every field error
    assert not Comment.objects.filter(idea=idea).exists()


# --- Analytics ----------------------------------------------------------------------------------------
def test_figures_for_an_entity_that_is_none_are_refused(org):
    """They were the whole company's, as if for that entity."""
    client = api(org.eve)
    assert client.get(f"/api/v1/analytics/participation/?entity={org.dept_a1.pk}").status_code == 200
    for entity in ("999999", HUGE, "abc"):
        response = client.get(f"/api/v1/analytics/participation/?entity={entity}")
        assert response.status_code == 400, entity
        assert "entity" in response.json()


def test_a_window_with_one_date_is_refused(org):
    """?start=... alone (or a start that is no date, alone) answered the default year."""
    client = api(org.eve)
    ok = client.get("/api/v1/analytics/participation/?start=2026-01-01&end=2026-06-30")
    assert ok.status_code == 200
    for query in ("start=2026-01-01", "end=2026-06-30", "start=yesterday"):
        response = client.get(f"/api/v1/analytics/participation/?{query}")
        assert response.status_code == 400, query
        assert isinstance(response.json()["detail"], str)


# --- Addresses that are no endpoint -----------------------------------------------------------------------
def test_an_address_of_no_endpoint_answers_json(org):
    client = api(org.colin)
    for path in ("/api/v1/nothing/", "/api/v1/ideas/1e-07/", "/api/v1/ideas/1.5e3/comments/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        assert response.json()["detail"]


def test_an_endpoint_without_its_slash_redirects_a_read_and_tells_a_write(org):
    """A write without the slash was a server error with DEBUG on (APPEND_SLASH cannot redirect a
    POST), and the CSRF page for a token client."""
    client = api(org.colin)
    read = client.get("/api/v1/ideas?state=published")
    assert read.status_code == 301
    assert read["Location"] == "/api/v1/ideas/?state=published"
    write = client.post("/api/v1/ideas", {**IDEA, "theme": org.theme.pk}, "application/json")
    assert write.status_code == 404
    assert "/api/v1/ideas/" in write.json()["detail"]


def test_a_put_keeps_what_it_does_not_send(org):
    """Fixing a typo with PUT (title, body, theme) made an anonymous idea signed and dropped its
    co-authors (which the API does not even show), tags and estimated gain."""
    client = api(org.alice)
    created = client.post(
        "/api/v1/ideas/",
        {
            **IDEA,
            "theme": org.theme.pk,
            "is_anonymous": True,
            "co_authors": [org.cora.email],
            "tags": ["rain"],
            "estimated_gain": "1200.00",
        },
        "application/json",
    ).json()
    response = client.put(
        f"/api/v1/ideas/{created['id']}/",
        {**IDEA, "title": "Badge readers that work in the rain", "theme": org.theme.pk},
        "application/json",
    )
    assert response.status_code == 200, response.content
    kept = response.json()
    assert (kept["is_anonymous"], kept["tags"], kept["estimated_gain"]) == (True, ["rain"], "1200.00")
    assert list(Idea.objects.get(pk=created["id"]).co_authors.all()) == [org.cora]
    cleared = client.put(
        f"/api/v1/ideas/{created['id']}/",
        {
            **IDEA,
            "theme": org.theme.pk,
            "is_anonymous": False,
            "co_authors": [],
            "tags": [],
            "estimated_gain": None,
        },
        "application/json",
    ).json()
    assert (cleared["is_anonymous"], cleared["tags"], cleared["estimated_gain"]) == (False, [], None)
    assert not Idea.objects.get(pk=created["id"]).co_authors.exists()


@pytest.mark.parametrize("resource", ["themes", "campaigns", "domains", "ideas"])
def test_an_id_no_key_can_hold_is_not_found(org, resource):
    client = api(org.colin)
    for pk in (HUGE, "9223372036854775808", "-1", "0"):
        response = client.get(f"/api/v1/{resource}/{pk}/")
        assert response.status_code == 404, pk
        assert response["Content-Type"] == "application/json"
