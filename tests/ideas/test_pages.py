"""Home, campaign, profile and list pages as an employee sees them; trending computed in the database."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from ideas import services
from ideas.models import Idea, Vote
from ideas.trending import trending_recompute
from tests import factories as f
from tests.helpers import published


def http(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_home_shows_objective_campaigns_trending_and_my_activity(org, settings):
    campaign = f.CampaignFactory(title="Energy challenge")
    published(org.cora, org.theme, title="Trending idea about energy", campaign=campaign)
    services.idea_save_draft(
        author=org.alice, title="My own draft idea", body="Some body text", theme=org.theme
    )
    page = http(org.alice).get("/").content.decode()
    assert escape(str(settings.IDEABOX_OBJECTIVE)) in page  # a lazy translation by default
    assert "Energy challenge" in page
    assert "Trending idea about energy" in page
    assert "My own draft idea" in page


def test_campaign_page_lists_its_ideas_and_results(org):
    campaign = f.CampaignFactory(title="Customer first", question="What would customers love?")
    idea = published(org.alice, org.theme, title="Call customers back within an hour", campaign=campaign)
    services.vote_cast(idea=idea, voter=org.colin)
    published(org.cora, org.theme, title="Unrelated idea outside the campaign")
    response = http(org.colin).get(f"/ideas/campaigns/{campaign.slug}/")
    page = response.content.decode()
    assert "What would customers love?" in page
    assert "Call customers back within an hour" in page
    assert "Unrelated idea outside the campaign" not in page
    assert response.context["results"]["total"] == 1
    assert response.context["results"]["votes"] == 1
    assert "Customer first" in http(org.colin).get("/ideas/campaigns/").content.decode()


def test_public_profile_and_my_ideas(org):
    published(org.alice, org.theme, title="Published idea of Alice")
    services.idea_save_draft(
        author=org.alice, title="Private draft of Alice", body="Not for others", theme=org.theme
    )
    profile = http(org.colin).get(f"/me/people/{org.alice.pk}/").content.decode()
    assert "Published idea of Alice" in profile
    assert "Private draft of Alice" not in profile
    mine = http(org.alice).get("/ideas/mine/").content.decode()
    assert "Private draft of Alice" in mine
    assert "Published idea of Alice" in mine


def test_list_filters_and_sorts(org):
    first = published(org.alice, org.theme, title="Idea with many votes")
    published(org.cora, org.it_theme, title="Idea in the IT domain")
    for person in (org.colin, org.oscar, org.xavier):
        services.vote_cast(idea=first, voter=person)
    client = http(org.colin)
    assert "Idea in the IT domain" not in client.get(f"/ideas/?theme={org.theme.pk}").content.decode()
    assert "Idea with many votes" not in client.get(f"/ideas/?domain={org.it.pk}").content.decode()
    page = client.get("/ideas/?sort=supported").content.decode()
    assert page.index("Idea with many votes") < page.index("Idea in the IT domain")
    assert "Idea with many votes" in client.get("/ideas/?voted=on").content.decode()
    assert "Idea in the IT domain" not in client.get("/ideas/?voted=on").content.decode()
    assert "Idea with many votes" in client.get("/ideas/?followed=on").content.decode()
    partial = client.get("/ideas/?sort=newest", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="idea-results")
    assert b"<html" not in partial.content
    assert client.get("/ideas/?sort=nonsense&theme=abc&page=999").status_code == 200


def test_trending_favours_recent_support(org):
    old = published(org.alice, org.theme, title="Popular long ago")
    new = published(org.cora, org.theme, title="Popular this week")
    voters = [f.UserFactory(entity=org.dept_b1) for _ in range(6)]
    for voter in voters:
        Vote.objects.create(idea=old, voter=voter, created_at=timezone.now() - timedelta(days=25))
    for voter in voters[:3]:
        Vote.objects.create(idea=new, voter=voter, created_at=timezone.now() - timedelta(hours=5))
    trending_recompute()
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.trending_score > old.trending_score > 0
    ranked = list(Idea.objects.filter(pk__in=[old.pk, new.pk]).order_by("-trending_score"))
    assert ranked[0] == new
