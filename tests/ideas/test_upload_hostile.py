"""Hostile uploads: polyglots, scripts inside images, SVG, zip bombs, a 50 MB file, names that try to
climb out of the media folder or break headers. Each is refused with a clear message or neutralised;
and whatever is stored is never served as something a browser would run."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from PIL import Image, PngImagePlugin

from ideas.attachments import attachment_create, clean_name
from ideas.models import Attachment, Idea

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>__xss(1)</script>"
HOSTILE = (b"<script", b"<html", b"<svg", b"__xss", b"javascript:")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class Upload(io.BytesIO):
    """An upload whose name is exactly what a hostile client sent."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name, self.size = name, len(data)


def image_bytes(fmt, **save):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 90, 200)).save(buffer, fmt, **save)
    return buffer.getvalue()


def gif_js_polyglot():
    """A GIF whose header is also the start of a JavaScript statement, with script after the pixels."""
    gif = image_bytes("GIF", comment=b"*/=1;__xss(1);/*" + SCRIPT)  # a comment extension, kept by Pillow
    return gif + b"\n*/=1;__xss(1);/*" + b"<html><body>" + SCRIPT + b"</body></html>"


def jpeg_html_polyglot():
    """A JPEG with HTML in a comment segment and after the end-of-image marker."""
    jpeg = image_bytes("JPEG")
    comment = b"<html><body>" + SCRIPT + b"</body></html>"
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return jpeg[:2] + segment + jpeg[2:] + b"<!--" + SCRIPT


def png_with_script_chunk():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>__xss(1)</script></html>")
    info.add_itxt("XML:com.adobe.xmp", "<svg onload=__xss(1)>")
    return image_bytes("PNG", pnginfo=info) + SCRIPT


def pdf_html_polyglot():
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n<html><body>" + SCRIPT + b"</body></html>\n%%EOF\n"


def docx(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def assert_clean_image(attachment, fmt):
    stored = attachment.file.open("rb").read()
    for marker in HOSTILE:
        assert marker not in stored, marker
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt
        assert "Comment" not in image.info


@pytest.mark.parametrize(
    ("name", "make", "fmt"),
    [
        ("funny.gif", gif_js_polyglot, "GIF"),
        ("photo.jpg", jpeg_html_polyglot, "JPEG"),
        ("chart.png", png_with_script_chunk, "PNG"),
        ("page.html", jpeg_html_polyglot, "JPEG"),  # an HTML name on a JPEG: named for what it is
    ],
)
def test_image_polyglots_are_reencoded_to_bare_pixels(org, name, make, fmt):
    attachment = attachment_create(uploaded_file=Upload(name, make()), user=org.alice)
    assert attachment.is_image
    assert_clean_image(attachment, fmt)
    assert attachment.original_name.rsplit(".", 1)[-1] == attachment.extension


def test_a_pdf_html_polyglot_named_html_is_stored_and_downloaded_as_pdf(org):
    attachment = attachment_create(uploaded_file=Upload("report.html", pdf_html_polyglot()), user=org.alice)
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "report.html.pdf"
    client = Client()
    client.force_login(org.alice)
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.html.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "drawing.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="__xss(1)">'
            b"<script>__xss(2)</script></svg>",
            "not an accepted file",
        ),
        (
            "drawing.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>__xss(1)</script></svg>',
            "not an accepted",
        ),
        ("page.html", b"<!doctype html><html>" + SCRIPT + b"</html>", "not an accepted file"),
        ("fake.gif", b"GIF89a" + SCRIPT * 4, "could not be read"),
        ("script.js", b"/*GIF89a*/__xss(1)", "not an accepted file"),
        ("archive.zip", docx({"evil.html": b"<html>" + SCRIPT}), "not an accepted file"),
        (
            "bomb.docx",
            docx({"word/document.xml": b"\x00" * (30 * 1024 * 1024)}),
            "expands to an unreasonable size",
        ),
        (
            "bomb.xlsx",
            docx({f"xl/sheet{n}.xml": b"0" * (12 * 1024 * 1024) for n in range(9)}),
            "expands to an unreasonable size",
        ),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(org, name, data, message):
    with pytest.raises(ValidationError) as refused:
        attachment_create(uploaded_file=Upload(name, data), user=org.alice)
    assert message in " ".join(refused.value.messages)
    assert not Attachment.objects.exists()


def test_a_zip_bomb_through_the_form_loses_nothing_typed(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.alice)
    bomb = docx({"word/document.xml": b"\x00" * (30 * 1024 * 1024)})
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/ideas/new/",
        {
            "title": "Duplex printing for all",
            "body": "Printers print one side only today.",
            "theme": org.theme.pk,
            "submit": "1",
            "attachments": SimpleUploadedFile("plan.docx", bomb, "application/octet-stream"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "expands to an unreasonable size" in page
    assert "Duplex printing for all" in page
    assert not Idea.objects.exists()


def test_a_50_mb_file_is_refused_before_being_read(org):
    class Huge(Upload):
        def read(self, *args):  # the size check must come first: reading 50 MB is the attack
            raise AssertionError("a 50 MB upload was read")

    huge = Huge("video.png", b"")
    huge.size = 50 * 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        attachment_create(uploaded_file=huge, user=org.alice)
    assert "50.0 MB; the limit is 10 MB" in " ".join(refused.value.messages)


def test_a_50_mb_post_gets_the_limit_message(org):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = image_bytes("PNG") + b"\x00" * (50 * 1024 * 1024)
    response = client.post(
        "/ideas/new/",
        {
            "title": "A very large picture",
            "body": "See the attached picture of the plant.",
            "theme": org.theme.pk,
            "save": "1",
            "attachments": SimpleUploadedFile("plant.png", data, "image/png"),
        },
    )
    assert response.status_code == 200
    assert "the limit is 10 MB" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd.png"),
        ("..\\..\\x.png", "x.png"),
        ("photo\x00.php.png", "photo.php.png"),
        ("photo.png\x00.html", "photo.png.html.png"),
        ("/absolute/path/.htaccess", "htaccess.png"),
        ('a"; filename="evil.html', "a; filename=evil.html.png"),
        ("line\r\nSet-Cookie: x=1.png", "lineSet-Cookie x=1.png"),
        ("....", "file.png"),
        ("x" * 5000 + ".png", "x" * 196 + ".png"),
    ],
)
def test_names_cannot_traverse_or_break_headers(org, raw, expected):
    attachment = attachment_create(uploaded_file=Upload(raw, image_bytes("PNG")), user=org.alice)
    assert attachment.original_name == expected
    assert len(attachment.original_name) <= 200
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(f"/{attachment.token}.png")
    assert ".." not in attachment.file.name
    client = Client()
    client.force_login(org.alice)
    response = client.get(attachment.get_absolute_url())
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "/" not in disposition.split("filename", 1)[1]


def test_clean_name_alone_strips_separators_and_controls():
    assert clean_name("..\\..\\..\\windows\\system32\\x.png") == "x.png"
    assert clean_name("\x00\x01\x1b[31mred.png") == "[31mred.png"
    assert clean_name("") == "file"


def test_raw_multipart_names_are_neutralised_end_to_end(org):
    """The browser-side name goes through Django's multipart parser, then ours."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.alice)
    boundary = "----ideabox-test"
    fields = {
        "title": "Traversal attempt",
        "body": "Look at the attached file.",
        "theme": str(org.theme.pk),
        "save": "1",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name in ("..%2F..%2Fetc%2Fpasswd.png", "..\\..\\boot.png", "&#46;&#46;/&#46;&#46;/x.png"):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{name}"\r\n'
            "Content-Type: text/html\r\n\r\n".encode()
            + image_bytes("PNG")
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.generic(
        "POST", "/ideas/new/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    for attachment in Attachment.objects.all():
        assert "/" not in attachment.original_name
        assert "\\" not in attachment.original_name
        assert ".." not in attachment.file.name
        assert attachment.content_type == "image/png"  # by content, not the declared text/html


@pytest.mark.parametrize(
    ("name", "data", "mime", "inline"),
    [
        ("photo.png", image_bytes("PNG"), "image/png", True),
        ("photo.gif", image_bytes("GIF"), "image/gif", True),
        ("report.pdf", pdf_html_polyglot(), "application/pdf", False),
        (
            "plan.docx",
            docx({"word/document.xml": b"<w:document/>"}),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
    ],
)
def test_downloads_are_never_served_as_html(org, name, data, mime, inline):
    attachment = attachment_create(uploaded_file=Upload(name, data), user=org.alice)
    client = Client()
    client.force_login(org.alice)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert "html" not in response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert response["Content-Disposition"].startswith("inline;" if inline else "attachment;")
    assert Client().get(attachment.get_absolute_url()).status_code in (302, 404)  # anonymous: no file
