"""Attachments: type checked by content (never by name or declared type), size limited, images
re-encoded (which drops metadata and anything smuggled after the pixels), office files checked
against zip bombs. Served later with Content-Disposition and nosniff, never as HTML."""

from __future__ import annotations

import io
import secrets
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ideas.models import Attachment

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
MAX_PIXELS = 40_000_000
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_RATIO = 100


def _office_type(data: bytes) -> str | None:
    """Recognises OOXML/ODF documents by their zip contents, and refuses zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED or (len(data) and total / len(data) > MAX_RATIO):
        raise ValidationError(_("This archive expands to an unreasonable size and was refused."))
    names = {info.filename for info in infos}
    if "mimetype" in names:
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
        return mimetype if mimetype in DOCUMENT_TYPES else None
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if any(n.startswith("ppt/") for n in names):
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return None


def _reencode(data: bytes, mime: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("This image is too large (more than 40 megapixels)."))
            image.load()
            # Pillow writes back what it read into ``info`` (JPEG and GIF comments, EXIF, XMP, ICC):
            # a script hidden in a comment segment would survive the re-encoding. Pixels only.
            image.info = {}
            output = io.BytesIO()
            if mime == "image/jpeg":
                image.convert("RGB").save(output, "JPEG", quality=88, optimize=True)
            elif mime == "image/gif":
                image.save(output, "GIF")
            elif mime == "image/webp":
                image.save(output, "WEBP", quality=88)
            else:
                image.save(output, "PNG", optimize=True)
            return output.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(
            _("This image could not be read: %(error)s") % {"error": exc.__class__.__name__}
        ) from exc


def clean_name(name: str) -> str:
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*\x00').strip(" .")
    return base[:200] or "file"


def _named_for_its_type(name: str, extension: str) -> str:
    """A stored file's download name always ends with the extension of its real type, so that an
    "x.html" that is really a PDF (or a PDF/HTML polyglot) is never saved and opened as HTML."""
    current = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if current == extension or (extension == "jpg" and current == "jpeg"):
        return name
    return f"{name[: 200 - len(extension) - 1]}.{extension}"


def attachment_create(*, uploaded_file, user) -> Attachment:
    """Validates and stores one upload. Raises ValidationError with a message for the form field."""
    size = uploaded_file.size or 0
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": clean_name(uploaded_file.name), "size": size / 1048576, "limit": limit // 1048576}
        )
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("This file is over the size limit."))
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime == "application/zip" or mime is None or mime in DOCUMENT_TYPES:
        mime = _office_type(data) or mime
    if mime in IMAGE_TYPES:
        data = _reencode(data, mime)
        extension, is_image = IMAGE_TYPES[mime], True
    elif mime in DOCUMENT_TYPES:
        extension, is_image = DOCUMENT_TYPES[mime], False
    else:
        raise ValidationError(
            _(
                "“%(name)s” is not an accepted file: images (JPEG, PNG, GIF, WebP), PDF and office "
                "documents only."
            )
            % {"name": clean_name(uploaded_file.name)}
        )
    attachment = Attachment(
        uploaded_by=user,
        token=secrets.token_urlsafe(24),
        original_name=_named_for_its_type(clean_name(uploaded_file.name), extension),
        extension=extension,
        content_type=mime,
        size=len(data),
        is_image=is_image,
    )
    attachment.file.save(f"{attachment.token}.{extension}", ContentFile(data), save=False)
    attachment.save()
    return attachment
