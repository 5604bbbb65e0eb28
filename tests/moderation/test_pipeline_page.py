"""The executive's pipeline board: votes counted in the right number ("1 vote"), and a column
with more ideas than it shows links to the idea list filtered on its state."""

from django.urls import reverse

from ideas import services
from ideas.models import IdeaState
from moderation import views
from moderation.workflow import transition
from tests.conftest import client_for
from tests.helpers import published

S = IdeaState


def _shortlisted(org, n):
    ideas = []
    for i in range(n):
        idea = published(org.alice, org.theme, title=f"Shared bikes between sites, route {i}")
        transition(idea=idea, actor=org.chloe, to_state=S.SHORTLISTED)
        ideas.append(idea)
    return ideas


def test_a_full_column_links_to_all_its_ideas(client, org, monkeypatch):
    monkeypatch.setattr(views, "PIPELINE_COLUMN_SIZE", 2, raising=False)
    ideas = _shortlisted(org, 3)
    client_for(client, org.eve)
    html = client.get(reverse("moderation:pipeline")).content.decode()
    see_all = f'<a href="{reverse("ideas:list")}?state=shortlisted">See all 3 ideas</a>'
    assert see_all in html
    assert "?state=in_analysis" not in html  # an empty column has nothing more to show
    listed = client.get(reverse("ideas:list"), {"state": "shortlisted"}).content.decode()
    for idea in ideas:
        assert idea.title in listed


def test_a_column_that_shows_everything_has_no_link(client, org):
    _shortlisted(org, 2)
    client_for(client, org.eve)
    assert "See all" not in client.get(reverse("moderation:pipeline")).content.decode()


def test_votes_are_counted_in_the_right_number(client, org):
    one, none = _shortlisted(org, 2)
    services.vote_cast(idea=one, voter=org.colin)
    client_for(client, org.eve)
    html = client.get(reverse("moderation:pipeline")).content.decode()
    assert "<span>1 vote</span>" in html
    assert "<span>0 votes</span>" in html
    assert "1 votes" not in html
