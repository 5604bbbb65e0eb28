"""The submit form: bad input gets a clear field error, what was typed is kept, nothing half-saved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ideas.models import Attachment, Idea, IdeaState


def png_bytes(size=(64, 48), extra=b""):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue() + extra


@pytest.fixture
def alice(client, org):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(org.alice)
    return client


def valid(org, **overrides):
    data = {
        "title": "Print double-sided by default",
        "body": "All printers print one-sided today.",
        "theme": org.theme.pk,
        "tags": "lean, paper",
    }
    data.update(overrides)
    return data


def test_save_draft_then_submit_routes_to_a_correspondent(alice, org):
    response = alice.post("/ideas/new/", valid(org, save="1"))
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.state == IdeaState.DRAFT
    assert sorted(idea.tags.values_list("name", flat=True)) == ["lean", "paper"]
    response = alice.post(
        f"/ideas/{idea.pk}/edit/", valid(org, title="Print double-sided everywhere", submit="1")
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.state == IdeaState.SUBMITTED
    assert idea.title == "Print double-sided everywhere"
    assert idea.assignee == org.chloe  # never Bob, Alice's manager, although he moderates Operations


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"body": ""}, "body", "This field is required"),
        ({"body": "y" * 20001}, "body", "at most 20000"),
        ({"theme": "99999"}, "theme", "Choose a theme from the list"),
        ({"co_authors": "nobody@nowhere.test"}, "co_authors", "Unknown colleague"),
    ],
)
def test_bad_fields_get_errors_and_keep_the_rest(alice, org, overrides, field, message):
    response = alice.post("/ideas/new/", valid(org, submit="1", **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    form = response.context["form"]
    assert field in form.errors
    if field != "body":
        assert "All printers print one-sided today." in response.content.decode()
    assert not Idea.objects.exists()


def test_script_markup_is_stored_sanitised(alice, org):
    body = 'Hello <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3)) **bold**'
    alice.post("/ideas/new/", valid(org, body=body, save="1"))
    idea = Idea.objects.get()
    assert "<script" not in idea.body_html
    assert "onerror" not in idea.body_html
    assert 'href="javascript' not in idea.body_html  # left as plain text, never a link
    assert "<strong>bold</strong>" in idea.body_html
    assert idea.body == body  # the source is kept as typed


def test_image_is_reencoded_and_served_inline_with_nosniff(alice, org):
    upload = SimpleUploadedFile("photo.png", png_bytes(extra=b"<script>alert(1)</script>"), "image/png")
    alice.post("/ideas/new/", valid(org, save="1", attachments=upload))
    attachment = Attachment.objects.get()
    assert attachment.is_image
    assert attachment.content_type == "image/png"
    assert b"<script>" not in attachment.file.read()
    response = alice.get(attachment.get_absolute_url())
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "not an accepted file"),
        ("image.png", b"GIF89a" + b"\x00" * 10 + b"<svg onload=alert(1)>", "image/png", "could not be read"),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "not an accepted file",
        ),
    ],
)
def test_files_that_lie_about_their_type_are_refused(alice, org, name, content, kind, message):
    response = alice.post(
        "/ideas/new/", valid(org, submit="1", attachments=SimpleUploadedFile(name, content, kind))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Print double-sided by default" in response.content.decode()
    assert not Idea.objects.exists()
    assert not Attachment.objects.exists()


def test_a_20_mb_image_is_refused_with_the_limit(alice, org, settings):
    big = SimpleUploadedFile("huge.png", png_bytes() + b"\x00" * (20 * 1024 * 1024), "image/png")
    response = alice.post("/ideas/new/", valid(org, submit="1", attachments=big))
    assert response.status_code == 200
    assert "the limit is 10 MB" in response.content.decode()
    assert not Idea.objects.exists()


def test_path_traversal_in_a_file_name_is_neutralised(alice, org):
    upload = SimpleUploadedFile("../../etc/passwd.png", png_bytes(), "image/png")
    alice.post("/ideas/new/", valid(org, save="1", attachments=upload))
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.png"
    assert ".." not in attachment.file.name


def test_the_idea_page_shows_its_tags_and_attachments_and_reads_them_only_when_there_are_some(alice, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    alice.post("/ideas/new/", valid(org, save="1", attachments=upload))
    idea = Idea.objects.get()
    page = alice.get(f"/ideas/{idea.pk}/").content.decode()
    assert "#lean" in page
    assert "#paper" in page
    assert Attachment.objects.get().get_absolute_url() in page

    bare = Idea.objects.create(
        title="No tags here",
        body="Nothing attached to it.",
        body_html="<p>x</p>",
        author=org.alice,
        theme=org.theme,
    )
    with CaptureQueriesContext(connection) as queries:
        assert alice.get(f"/ideas/{bare.pk}/").status_code == 200
    tables = " ".join(
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith('SELECT "ideas_idea"')
    )
    assert "ideas_attachment" not in tables
    assert "ideas_tag" not in tables


def test_a_file_sent_with_a_mistake_elsewhere_is_asked_for_again(alice, org):
    """The text comes back kept, the file cannot (no browser refills a file input): the page says
    so, or saving again would create the idea without it."""
    picture = SimpleUploadedFile("chart.png", png_bytes(), content_type="image/png")
    response = alice.post("/ideas/new/", valid(org, title="abc", save="1", attachments=picture))
    assert response.status_code == 200
    assert "choose it again before saving" in response.content.decode()
    assert not Idea.objects.exists()
    assert not Attachment.objects.exists()
    # Without a file, the same mistake asks for nothing more.
    response = alice.post("/ideas/new/", valid(org, title="abc", save="1"))
    assert "choose it again" not in response.content.decode()
