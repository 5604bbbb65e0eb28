"""Markdown to safe HTML, once, when content is saved (DESIGN.md section 10: sanitise on write).

Raw HTML is allowed in the source (imports bring HTML bodies) but everything goes through nh3 with
a short allow-list: no script, no event handler, no style, no javascript:/data: URL survives.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}

MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9][A-Za-z0-9._-]{1,63})")


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags={
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "template",
            "noscript",
            "svg",
            "math",
        },
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def render_markdown(source: str, *, mention_links: dict[str, tuple[str, str]] | None = None) -> str:
    """Renders Markdown (with @mentions turned into links to known people) to sanitised HTML.

    ``mention_links`` maps a lower-cased handle to (display name, URL).
    """
    if mention_links:

        def link(match: re.Match) -> str:
            found = mention_links.get(match.group(1).lower().rstrip("."))
            if not found:
                return match.group(0)
            name, url = found
            safe_name = re.sub(r"[\[\]()<>\\*_`]", "", name)
            return f"[@{safe_name}]({url})"

        source = MENTION_RE.sub(link, source)
    return sanitize_html(_markdown.render(source))


def mention_handles(source: str) -> set[str]:
    return {handle.lower().rstrip(".") for handle in MENTION_RE.findall(source)}


def html_to_text(html: str) -> str:
    """Plain text of (sanitised) HTML, for notifications and e-mails."""
    text = nh3.clean(html, tags=set())
    return re.sub(r"\s+", " ", text).strip()
