"""A NUL character in an address is refused with a clear 400, in pages and in the API: PostgreSQL
refuses it in any text, and a query parameter read as it is used to end as a server error."""

import pytest
from django.test import Client

from tests.helpers import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def colin(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.colin)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/ideas/similar/?title=Automate%00the+invoices",
        "/ideas/?q=invoice%00",
        "/moderation/queue/?state=%00",
        "/points/leaderboard/?period=%00month",
    ],
)
def test_pages_answer_400_with_the_reason(colin, path):
    response = colin.get(path)
    assert response.status_code == 400
    assert "null character" in response.content.decode()


def test_the_api_answers_400_in_json(colin):
    response = colin.get("/api/v1/ideas/similar/?title=Automate%00the+invoices")
    assert response.status_code == 400
    assert "null character" in response.json()["detail"]


def test_an_encoded_percent_sign_is_not_a_null_character(org, colin):
    published(org.alice, org.theme, title="Cut the 100%00 waste of paper")
    response = colin.get("/ideas/similar/?title=Cut+the+100%2500+waste")
    assert response.status_code == 200
    assert "100%00 waste" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/moderation/report/idea/{pk}/", {"reason": "spam\x00"}),
        ("/moderation/ideas/{pk}/reassign/", {"email": "oscar@example.com\x00", "reason": "IT"}),
        ("/moderation/ideas/{pk}/experts/", {"experts": "xavier@example.com\x00"}),
        ("/moderation/ideas/{pk}/decide/", {"to_state": "rejected", "reason": "Out of scope\x00"}),
        ("/ideas/{pk}/comments/", {"body": "Nice\x00"}),
        ("/ideas/{pk}/comments/", {"body\x00": "A key holding one"}),
    ],
)
def test_a_form_holding_a_null_character_is_refused_with_400(org, path, data):
    """Views reading a field without a Django form stored it (PostgreSQL: a server error)."""
    from moderation.models import ContentReport

    idea = published(org.alice, org.theme, title="Cut the waste of paper")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.chloe)
    response = client.post(path.format(pk=idea.pk), data)
    assert response.status_code == 400
    assert "null character" in response.content.decode()
    assert not ContentReport.objects.exists()


def test_a_form_without_null_characters_is_taken(org):
    idea = published(org.alice, org.theme, title="Cut the waste of paper")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.colin)
    assert client.post(f"/moderation/report/idea/{idea.pk}/", {"reason": "spam"}).status_code == 302
