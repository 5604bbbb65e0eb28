"""What the segments say is translated: the advised way to animate each one (community dashboard
and its JSON), the figures behind a segment (labels, not keys), and the card's title says "My"
only to the person themselves. New strings have no French yet: these tests compare with what
gettext answers in French, so they hold before and after the catalogue is updated."""

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts.models import User
from analytics import snapshots
from tests.conftest import client_for

FACILITATOR = {"facilitator": {"authors_helped": 3, "share_on_others": 0.8, "helpful_comments": 2}}


def _snapshot(user, reasons):
    month = timezone.localdate().replace(day=1)
    snapshots._insert([(user.pk, month, list(reasons), reasons, 0.5, timezone.now())])


def test_the_ways_to_animate_are_translatable_and_sent_translated(client, org):
    assert all(isinstance(mode, Promise) for mode in snapshots.INTERACTION_MODES.values())
    _snapshot(org.colin, FACILITATOR)
    User.objects.filter(pk=org.camille.pk).update(language="fr")
    client_for(client, org.camille)
    rows = client.get(reverse("analytics:data", args=["segments"])).json()["rows"]
    with translation.override("fr"):
        expected = {s: translation.gettext(str(m)) for s, m in snapshots.INTERACTION_MODES.items()}
        assert {row["segment"]: row["mode"] for row in rows} == expected
    with translation.override("en"):
        assert snapshots.segment_map()[0]["mode"] == "many-to-one idea challenges"


def test_the_figures_behind_a_segment_have_labels(client, org):
    _snapshot(org.colin, FACILITATOR)
    client_for(client, org.colin)
    page = client.get(reverse("accounts:me")).content.decode()
    assert "authors helped: 3" in page
    assert "share of comments on others&#x27; ideas: 0.8" in page
    assert "comments marked helpful: 2" in page
    assert "authors_helped" not in page
    client_for(client, org.camille)
    page = client.get(reverse("analytics:segment", args=["facilitator"])).content.decode()
    assert "authors helped: 3" in page
    assert "authors_helped" not in page


def test_the_card_title_says_my_only_to_the_person(client, org):
    _snapshot(org.colin, FACILITATOR)
    client_for(client, org.colin)
    assert "My segments and why" in client.get(reverse("accounts:me")).content.decode()
    own = client.get(reverse("analytics:person", args=[org.colin.pk])).content.decode()
    assert "My segments and why" in own
    client_for(client, org.camille)
    page = client.get(reverse("analytics:person", args=[org.colin.pk])).content.decode()
    assert "My segments and why" not in page
    assert "Segments and why" in page
