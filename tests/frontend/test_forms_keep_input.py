"""A form that cannot be sent says why and keeps what the person typed."""

from django.test import Client

from analytics.models import SegmentMessage


def test_segment_message_refused_keeps_subject_and_body(org):
    camille = Client(HTTP_ACCEPT_LANGUAGE="en")
    camille.force_login(org.camille)
    typed = {"segment": "passive", "subject": "<b>First idea?</b>", "body": "Two minutes from your phone"}
    response = camille.post("/analytics/community/message/", typed, follow=True)
    page = response.content.decode()
    assert not SegmentMessage.objects.exists()
    assert "Segments are not computed yet" in page  # the reason
    assert 'value="&lt;b&gt;First idea?&lt;/b&gt;"' in page  # kept, escaped
    assert ">Two minutes from your phone</textarea>" in page
    assert '<option value="passive" selected>' in page
    again = camille.get("/analytics/community/").content.decode()
    assert "Two minutes from your phone" not in again  # shown once, not forever


def test_idea_form_error_keeps_the_text(org):
    alice = Client(HTTP_ACCEPT_LANGUAGE="en")
    alice.force_login(org.alice)
    response = alice.post("/ideas/new/", {"title": "", "body": "A body worth keeping", "submit": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "A body worth keeping" in page
    assert "errorlist" in page or 'aria-invalid="true"' in page
