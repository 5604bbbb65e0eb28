"""The similar ideas shown while typing a title count votes in the right number."""

from django.urls import reverse

from ideas import services
from tests.conftest import client_for
from tests.helpers import published


def test_similar_ideas_say_1_vote_and_2_votes(client, org):
    one = published(org.alice, org.theme, title="Motion sensors for the corridor lights")
    two = published(org.cora, org.theme, title="Motion sensors for the meeting room lights")
    services.vote_cast(idea=one, voter=org.colin)
    services.vote_cast(idea=two, voter=org.colin)
    services.vote_cast(idea=two, voter=org.oscar)
    client_for(client, org.eve)
    html = client.get(reverse("ideas:similar"), {"title": "Motion sensors for the lights"}).content.decode()
    assert one.title in html
    assert two.title in html
    assert "· 1 vote</span>" in html
    assert "· 2 votes</span>" in html
    assert "1 votes" not in html


def _vote_box_text(html: str) -> str:
    import re

    box = html[html.index('id="vote-box"') : html.index("</div>", html.index('id="vote-box"'))]
    box = box[: box.index("<form")] if "<form" in box else box
    return " ".join(re.sub(r"<[^>]+>", " ", box.split(">", 1)[1]).split())


def test_the_idea_page_says_1_vote_and_2_votes(client, org):
    idea = published(org.alice, org.theme, title="Motion sensors for the corridor lights")
    services.vote_cast(idea=idea, voter=org.colin)
    client_for(client, org.eve)
    assert _vote_box_text(client.get(idea.get_absolute_url()).content.decode()) == "1 vote"
    services.vote_cast(idea=idea, voter=org.oscar)
    assert _vote_box_text(client.get(idea.get_absolute_url()).content.decode()) == "2 votes"
