"""Rate limits on contributions: ideas, comments, votes and reports, on pages (htmx or not) and
in the API. Past the limit: 429 with a message saying when to try again, nothing written, the
text typed kept where the page allows it; other people are not affected; the window passes."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from config import ratelimit
from ideas.models import Comment, Idea, Vote
from moderation.models import ContentReport
from tests.conftest import client_for
from tests.helpers import published

TIGHT = {"idea": "2/h", "comment": "2/10m", "vote": "2/10m", "report": "2/h"}


@pytest.fixture(autouse=True)
def tight_limits(settings):
    settings.RATE_LIMITS = dict(TIGHT)


@pytest.fixture
def ideas(org):
    return [published(org.alice, org.theme, title=f"Idea number {n} about printers") for n in range(3)]


def _new_idea(client, org, n):
    return client.post(
        reverse("ideas:submit"),
        {
            "title": f"Fewer meetings, take {n}",
            "body": "Half of them could be an e-mail.",
            "theme": org.theme.pk,
        },
    )


def test_idea_form_past_the_limit_answers_429_and_keeps_the_text(client, org):
    client_for(client, org.colin)
    assert [_new_idea(client, org, n).status_code for n in range(2)] == [302, 302]
    response = _new_idea(client, org, 3)
    assert response.status_code == 429
    text = response.content.decode()
    assert "You are going a bit fast" in text
    assert "submit another idea" in text
    assert "Fewer meetings, take 3" in text  # what was typed is still in the form
    assert Idea.objects.filter(author=org.colin).count() == 2


def test_editing_a_draft_is_not_counted_as_a_new_idea(client, org):
    client_for(client, org.colin)
    _new_idea(client, org, 1)
    draft = Idea.objects.get(author=org.colin)
    for n in range(4):
        response = client.post(
            reverse("ideas:edit", args=[draft.pk]),
            {"title": f"Fewer meetings, v{n}", "body": "Half could be an e-mail.", "theme": org.theme.pk},
        )
        assert response.status_code == 302


def test_comments_past_the_limit(client, org, ideas):
    client_for(client, org.colin)
    url = reverse("ideas:comment", args=[ideas[0].pk])
    for n in range(2):
        assert client.post(url, {"body": f"Comment {n}"}).status_code == 302
    page = client.post(url, {"body": "One too many"})
    assert page.status_code == 429
    assert "comment again" in page.content.decode()
    assert page["Retry-After"].isdigit()
    htmx = client.post(url, {"body": "Typed with care"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429
    assert "Typed with care" in htmx.content.decode()
    assert "comment again" in htmx.content.decode()
    assert Comment.objects.filter(author=org.colin).count() == 2


def test_votes_past_the_limit_on_pages_and_htmx(client, org, ideas):
    client_for(client, org.colin)
    for idea in ideas[:2]:
        assert client.post(reverse("ideas:vote", args=[idea.pk]), HTTP_HX_REQUEST="true").status_code == 200
    htmx = client.post(reverse("ideas:vote", args=[ideas[2].pk]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429
    assert 'id="vote-box"' in htmx.content.decode()
    assert "vote again" in htmx.content.decode()
    page = client.post(reverse("ideas:vote", args=[ideas[2].pk]))
    assert page.status_code == 429
    assert "vote again" in page.content.decode()
    assert Vote.objects.filter(voter=org.colin).count() == 2


def test_reports_past_the_limit(client, org, ideas):
    client_for(client, org.colin)
    for idea in ideas[:2]:
        url = reverse("moderation:report", args=["idea", idea.pk])
        assert client.post(url, {"reason": "off-topic"}).status_code == 302
    response = client.post(reverse("moderation:report", args=["idea", ideas[2].pk]), {"reason": "off-topic"})
    assert response.status_code == 429
    assert "report more content" in response.content.decode()
    assert ContentReport.objects.filter(reporter=org.colin).count() == 2


def test_other_people_are_not_affected_and_the_window_passes(client, org, ideas, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    client_for(client, org.colin)
    url = reverse("ideas:comment", args=[ideas[0].pk])
    for n in range(3):
        client.post(url, {"body": f"Comment {n}"})
    assert client.post(url, {"body": "Again"}).status_code == 429
    client_for(client, org.eve)
    assert client.post(url, {"body": "Eve's first"}).status_code == 302
    client_for(client, org.colin)
    clock[0] += 600
    assert client.post(url, {"body": "Ten minutes later"}).status_code == 302


def test_api_limits_answer_429_json_with_retry_after(client, org, ideas):
    client_for(client, org.colin)

    def post(url, data):
        return client.post(url, json.dumps(data), content_type="application/json")

    idea_data = {"title": "Badge readers that work", "body": "They fail in the rain.", "theme": org.theme.pk}
    assert [post(reverse("api-idea-list"), idea_data).status_code for _ in range(2)] == [201, 201]
    refused = post(reverse("api-idea-list"), idea_data)
    assert refused.status_code == 429
    assert "submit another idea" in refused.json()["detail"]
    assert "Expected available" not in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0

    comments = reverse("api-idea-comments", args=[ideas[0].pk])
    assert [post(comments, {"body": "Yes"}).status_code for _ in range(3)] == [201, 201, 429]

    votes = [client.put(reverse("api-idea-vote", args=[idea.pk])).status_code for idea in ideas]
    assert votes == [200, 200, 429]
    assert "vote again" in client.put(reverse("api-idea-vote", args=[ideas[2].pk])).json()["detail"]
    assert Idea.objects.filter(author=org.colin).count() == 2
    assert Vote.objects.filter(voter=org.colin).count() == 2


def test_a_cache_outage_never_blocks_a_contribution(client, org, ideas, monkeypatch):
    """The limit fails open: ResilientRedisCache returns 0 from incr when Redis is down."""
    monkeypatch.setattr(ratelimit.cache, "add", lambda *a, **k: False)
    monkeypatch.setattr(ratelimit.cache, "incr", lambda *a, **k: 0)
    client_for(client, org.colin)
    url = reverse("ideas:comment", args=[ideas[0].pk])
    assert [client.post(url, {"body": f"c{n}"}).status_code for n in range(4)] == [302] * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20/10m", (20, 600)), ("1/s", (1, 1)), ("5/2h", (5, 7200)), ("100/d", (100, 86400))],
)
def test_rate_parsing(text, expected):
    from config.env import parse_rate

    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "ten/m", "5", "5/", "5/10", "0/m", "5/mm", "-1/h"])
def test_bad_rates_are_refused(text):
    from config.env import parse_rate

    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


def test_the_429_page_links_back_only_to_this_site(client, org, ideas):
    client_for(client, org.colin)
    url = reverse("ideas:comment", args=[ideas[0].pk])
    for n in range(2):
        client.post(url, {"body": f"Comment {n}"})
    ours = client.post(url, {"body": "x"}, HTTP_REFERER=f"http://testserver{ideas[0].get_absolute_url()}")
    assert f'href="http://testserver{ideas[0].get_absolute_url()}"' in ours.content.decode()
    theirs = client.post(url, {"body": "x"}, HTTP_REFERER="https://evil.example.net/phish")
    assert theirs.status_code == 429
    assert "evil.example.net" not in theirs.content.decode()
