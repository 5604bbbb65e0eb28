"""After a merge the correspondent lands on the idea merged into (the duplicate's page sends
everyone but its authors there): that page lists the merge with its Undo button, for the people
the undo view lets through only."""

import re

from django.urls import reverse

from ideas.models import Idea, IdeaState
from moderation.models import MergeRecord
from tests.conftest import client_for
from tests.helpers import published

S = IdeaState


def _merge(client, org):
    source = published(org.alice, org.theme, title="Print both sides, again")
    target = published(org.cora, org.theme, title="Print both sides by default")
    client_for(client, org.chloe)
    response = client.post(reverse("moderation:merge", args=[source.pk]), {"target": target.pk}, follow=True)
    assert response.redirect_chain[-1][0] == target.get_absolute_url()
    return source, target, MergeRecord.objects.get(source=source, target=target), response


def test_the_correspondent_undoes_the_merge_from_the_page_it_lands_on(client, org):
    source, target, record, response = _merge(client, org)
    page = response.content.decode()
    undo = reverse("moderation:merge_undo", args=[record.pk])
    assert "Merged. You can undo it from the idea&#x27;s page." in page
    assert "Merged into this idea" in page
    assert re.search(rf'<form method="post" action="{re.escape(undo)}">', page)
    assert "Print both sides, again" in page

    response = client.post(undo, follow=True)
    assert response.status_code == 200
    source.refresh_from_db()
    assert source.state == S.PUBLISHED
    assert source.merged_into_id is None
    record.refresh_from_db()
    assert record.undone_at is not None
    # Undone: the target no longer offers it.
    assert "Merged into this idea" not in client.get(target.get_absolute_url()).content.decode()


def test_only_people_who_may_undo_see_the_button(client, org):
    source, target, record, _response = _merge(client, org)
    undo = reverse("moderation:merge_undo", args=[record.pk])
    for person, sees in (
        (org.camille, True),  # a community manager may undo
        (org.colin, False),  # a colleague
        (org.cora, False),  # the target's author
        (org.oscar, False),  # a correspondent of another domain
        (org.eve, False),  # an executive
    ):
        client_for(client, person)
        page = client.get(target.get_absolute_url()).content.decode()
        assert (undo in page) is sees, person.display_name
    # And the view agrees with the button: Oscar's undo is refused, the merge stays.
    client_for(client, org.oscar)
    client.post(undo)
    assert Idea.objects.get(pk=source.pk).state == S.MERGED
