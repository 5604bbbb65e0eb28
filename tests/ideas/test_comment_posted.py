"""The htmx answer to a posted comment: the "no comment yet" line is deleted out of band only when
there was one (the first comment), and the follow button says "Following" at once (commenting
follows the idea)."""

from django.urls import reverse

from tests.conftest import client_for
from tests.helpers import published

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "comment-form"}
NO_COMMENTS_DELETE = '<p id="no-comments" hx-swap-oob="delete"></p>'


def test_the_empty_line_is_deleted_for_the_first_comment_only(client, org):
    idea = published(org.alice, org.theme, title="Quiet room on the third floor")
    client_for(client, org.colin)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert 'id="no-comments"' in page
    url = reverse("ideas:comment", args=[idea.pk])
    first = client.post(url, {"body": "Yes, with a booking sheet."}, **HTMX).content.decode()
    assert NO_COMMENTS_DELETE in first
    second = client.post(url, {"body": "And no phones."}, **HTMX).content.decode()
    assert "And no phones." in second
    assert 'id="no-comments"' not in second
    page = client.get(idea.get_absolute_url()).content.decode()
    assert 'id="no-comments"' not in page


def test_the_follow_button_comes_back_out_of_band_as_following(client, org):
    idea = published(org.alice, org.theme, title="Quiet room on the fourth floor")
    client_for(client, org.colin)
    assert 'aria-pressed="false"' in client.get(idea.get_absolute_url()).content.decode()
    answer = client.post(reverse("ideas:comment", args=[idea.pk]), {"body": "Good idea."}, **HTMX)
    html = answer.content.decode()
    assert '<form id="follow-box" hx-swap-oob="true"' in html
    box = html[html.index('<form id="follow-box"') :]
    box = box[: box.index("</form>")]
    assert 'aria-pressed="true"' in box
    assert 'name="action" value="unfollow"' in box
    assert 'aria-pressed="true"' in client.get(idea.get_absolute_url()).content.decode()
