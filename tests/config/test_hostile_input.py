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
