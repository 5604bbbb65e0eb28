"""Defects found by the hostile-input sweep (tests/security/test_fuzz_routes.py), one test each."""

import json

import pytest
from django.test import Client

from tests.helpers import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.ada)
    return client


@pytest.fixture
def chloe(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.chloe)
    return client


@pytest.mark.parametrize("view", ["change", "delete"])
@pytest.mark.parametrize("query", ["_to_field=", "_to_field=+", "_to_field=id&_to_field="])
def test_an_admin_page_asked_for_an_empty_to_field_answers_400(org, ada, view, query):
    """Django looked the object up by a field named '' (FieldDoesNotExist, a 500)."""
    response = ada.get(f"/admin/ideas/theme/{org.theme.pk}/{view}/?{query}")
    assert response.status_code == 400
    assert "empty field name" in response.content.decode()


def test_an_admin_post_with_an_empty_to_field_answers_400(org, ada):
    response = ada.post(f"/admin/ideas/theme/{org.theme.pk}/delete/", {"_to_field": "", "post": "yes"})
    assert response.status_code == 400
    org.theme.refresh_from_db()  # not deleted


def test_the_admin_still_takes_a_named_to_field(org, ada):
    assert ada.get(f"/admin/ideas/theme/{org.theme.pk}/change/?_to_field=id").status_code == 200
    assert ada.get(f"/admin/ideas/theme/{org.theme.pk}/change/").status_code == 200


def _json(client, method, path, text):
    # json.dumps writes the lone surrogate as the escape "\ud800": valid JSON that no UTF-8 text holds.
    body = json.dumps(text)
    return getattr(client, method)(path, data=body, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "decide", {"to_state": "published\ud800", "reason": "ok"}),  # echoed in "not a valid choice"
        ("post", "decide", {"to_state": "rejected", "reason": "Out of scope \ud800"}),
        ("patch", "me", {"language": "\ud800"}),
        ("put", "me", {"display_name": "Chlo\udce9", "language": "en"}),
        ("post", "comments", {"body": "A comment \ud83d alone"}),
        ("post", "ideas", {"\ud800": 1}),  # in a key
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_refused_with_400(org, chloe, method, path, body):
    idea = published(org.alice, org.theme, title="Badge readers in the rain")
    url = {
        "decide": f"/api/v1/ideas/{idea.pk}/decide/",
        "me": "/api/v1/me/",
        "comments": f"/api/v1/ideas/{idea.pk}/comments/",
        "ideas": "/api/v1/ideas/",
    }[path]
    response = _json(chloe, method, url, body)
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]
    org.chloe.refresh_from_db()
    assert org.chloe.display_name == "Chloé"


def test_a_json_body_with_real_astral_characters_is_taken(org, chloe):
    """A correct surrogate pair in JSON is one character (here U+1D11E): not refused."""
    idea = published(org.alice, org.theme, title="Badge readers in the rain")
    response = _json(chloe, "post", f"/api/v1/ideas/{idea.pk}/comments/", {"body": "Music \ud834\udd1e"})
    assert response.status_code == 201
    assert response.json()["body"] == "Music \U0001d11e"


def test_options_on_the_api_docs_is_not_a_server_error():
    """The Swagger page's HTML renderer had no template for DRF's OPTIONS metadata (a 500)."""
    client = Client(raise_request_exception=False)
    assert client.options("/api/docs/").status_code == 405
    assert client.get("/api/docs/").status_code == 200
