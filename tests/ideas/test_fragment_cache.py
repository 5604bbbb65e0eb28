"""The idea cards and the list's filter form are read from the cache under a key made of what
they show: what changes shows at once, to the person who changed it and to everyone else."""

from unittest import mock

from django.test import Client
from django.utils.html import escape

from ideas import services
from ideas.models import Campaign, Theme
from ideas.templatetags import ideabox
from tests import factories as f
from tests.helpers import published


def http(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def card_of(page: str, idea) -> str:
    start = page.index(f'id="idea-{idea.pk}"')
    return page[start : page.index("</article>", start)]


def count_card_renders():
    return mock.patch.object(ideabox, "get_template", wraps=ideabox.get_template)


def test_a_cached_card_shows_a_new_vote_and_the_voters_mark_at_once(org):
    idea = published(org.alice, org.theme, title="Cards that stay true")
    colin, cora = http(org.colin), http(org.cora)
    assert "voted" not in card_of(colin.get("/ideas/").content.decode(), idea)
    with count_card_renders() as render:
        card_of(colin.get("/ideas/").content.decode(), idea)
    assert render.call_count == 0  # the second view comes from the cache
    colin.post(f"/ideas/{idea.pk}/vote/")
    mine = card_of(colin.get("/ideas/").content.decode(), idea)
    others = card_of(cora.get("/ideas/").content.decode(), idea)
    assert "voted" in mine
    assert "</svg> 1" in mine
    assert "voted" not in others
    assert "</svg> 1" in others
    services.comment_create(idea=idea, author=org.cora, body="Seen from everywhere")
    assert 'title="Comments"><svg' in card_of(cora.get("/").content.decode(), idea)


def test_a_card_of_an_anonymous_idea_never_leaks_the_name_from_the_cache(org):
    idea = published(org.alice, org.theme, title="Anonymous but cached", is_anonymous=True)
    assert "Alice" in card_of(http(org.alice).get("/ideas/").content.decode(), idea)
    assert "Alice" not in card_of(http(org.colin).get("/ideas/").content.decode(), idea)


def test_a_renamed_title_shows_at_once(org):
    idea = published(org.alice, org.theme, title="First title")
    colin = http(org.colin)
    assert "First title" in colin.get("/ideas/").content.decode()
    type(idea).objects.filter(pk=idea.pk).update(title="Second title")  # as the admin would
    page = colin.get("/ideas/").content.decode()
    assert "Second title" in page
    assert "First title" not in page


def test_the_filter_form_shows_new_and_renamed_choices_at_once(org):
    colin = http(org.colin)
    assert "Winter campaign" not in colin.get("/ideas/").content.decode()
    Campaign.objects.bulk_create([f.CampaignFactory.build(title="Winter campaign", slug="winter")])
    assert "Winter campaign" in colin.get("/ideas/").content.decode()  # bulk insert: no signal
    theme = Theme.objects.get(pk=org.theme.pk)
    theme.name = "Lean processes"
    theme.save()
    page = colin.get("/ideas/").content.decode()
    assert "Lean processes" in page
    assert escape("Process optimisation") not in page


def test_the_filter_form_keeps_the_chosen_values(org):
    page = http(org.colin).get(f"/ideas/?theme={org.theme.pk}&sort=newest&q=screens").content.decode()
    assert f'<option value="{org.theme.pk}" selected>' in page
    assert '<option value="newest" selected>' in page
    assert 'value="screens"' in page
    assert '<option value="newest" selected>' not in http(org.colin).get("/ideas/").content.decode()
