"""A comment's author edits it from the idea page (a <details> with the text, sent by htmx); nobody
else is offered the form, and the route refuses them."""

import re

from django.urls import reverse

from ideas import services
from ideas.models import Comment
from tests.conftest import client_for
from tests.helpers import published

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "comment-main"}


def _setup(org):
    idea = published(org.alice, org.theme, title="Water fountains on every floor")
    comment = services.comment_create(idea=idea, author=org.colin, body="Also one near the gym.")
    reply = services.comment_create(idea=idea, author=org.cora, body="Agreed.", parent=comment)
    return idea, comment, reply


def _edit_form(page: str, comment: Comment) -> re.Match | None:
    url = re.escape(reverse("ideas:comment_edit", args=[comment.pk]))
    return re.search(
        rf'<form method="post" action="{url}" hx-post="{url}" hx-target="#comment-main-{comment.pk}"'
        rf' hx-swap="outerHTML">.*?<textarea id="edit-body-{comment.pk}" name="body"[^>]*>([^<]*)</textarea>',
        page,
        re.S,
    )


def test_only_the_author_of_a_comment_is_offered_its_edit_form(client, org):
    idea, comment, reply = _setup(org)
    client_for(client, org.colin)
    page = client.get(idea.get_absolute_url()).content.decode()
    form = _edit_form(page, comment)
    assert form is not None
    assert form.group(1) == "Also one near the gym."
    assert _edit_form(page, reply) is None  # Cora's reply: not his
    for person in (org.alice, org.camille, org.cora):  # the idea's author, a community manager
        client_for(client, person)
        page = client.get(idea.get_absolute_url()).content.decode()
        assert _edit_form(page, comment) is None, person.display_name
    client_for(client, org.cora)
    assert _edit_form(client.get(idea.get_absolute_url()).content.decode(), reply) is not None


def test_editing_through_the_page_form_swaps_the_comment_and_keeps_its_replies(client, org):
    idea, comment, reply = _setup(org)
    client_for(client, org.colin)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert _edit_form(page, comment) is not None
    url = reverse("ideas:comment_edit", args=[comment.pk])
    response = client.post(url, {"body": "Also one near the gym, please."}, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith(f'<div class="comment__main" id="comment-main-{comment.pk}">')
    assert "Also one near the gym, please." in fragment
    assert "(edited)" in fragment
    assert f"comment-{reply.pk}" not in fragment  # the replies are outside the swapped part
    comment.refresh_from_db()
    assert comment.body == "Also one near the gym, please."
    assert comment.edited_at is not None
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Also one near the gym, please." in page
    assert "Agreed." in page

    # An empty text: the form comes back open with the message, the comment unchanged.
    response = client.post(url, {"body": "  "}, **HTMX)
    assert response.status_code == 422
    fragment = response.content.decode()
    assert f'id="comment-edit-{comment.pk}" open' in fragment
    assert 'role="alert"' in fragment
    comment.refresh_from_db()
    assert comment.body == "Also one near the gym, please."

    # Without JavaScript the same form posts and comes back to the comment.
    response = client.post(url, {"body": "Near the gym and the canteen."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.body == "Near the gym and the canteen."


def test_someone_else_cannot_edit_the_comment(client, org):
    idea, comment, _reply = _setup(org)
    client_for(client, org.alice)
    response = client.post(reverse("ideas:comment_edit", args=[comment.pk]), {"body": "Hacked"}, **HTMX)
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Also one near the gym."
