"""The whole UI in French and in English: the main pages, rendered for a person whose language is
French, show no string of the English catalogue untranslated; rendered in English, no French one.

The catalogues are read at test time (locale/*/LC_MESSAGES/django.po), so strings added by other
branches are checked as soon as `make messages` has extracted them. User content (names, titles,
the organisation) is excluded, and so are the few words spelt the same in both languages.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from ideas.models import Idea
from tests.support.pages import main_pages

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Spelt the same in French and English (or proper nouns of the product): not a missing translation.
SAME_IN_BOTH = {
    "Ideabox",
    "Notifications",
    "Notification",
    "Message",
    "Segment",
    "Total",
    "Date",
    "Description",
    "Type",
    "Action",
    "Actions",
    "Badges",
    "Budget",
    "Source",
    "Score",
    "Expert",
    "Experts",
    "E-mail",
    "CSV",
    "API",
    "Innovation",
    "Page",
    "OK",
    "Points",
    "Distribution",
    "Influence",
    "Participation",
    "Suggestions",
}
ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


class _Text(HTMLParser):
    """Visible text nodes and the attributes a screen reader or a sighted user meets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.items = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.skip += 1
        attrs = dict(attrs)
        for name in ATTRIBUTES:
            if attrs.get(name):
                self.items.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.items.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.items.append(data)


def texts(html):
    parser = _Text()
    parser.feed(html)
    out = set()
    for item in parser.items:
        text = " ".join(item.split())
        if text and re.search(r"[A-Za-zÀ-ÿ]{2}", text):
            out.add(text)
    return out


def _pattern(msgid):
    parts = PLACEHOLDER.split(msgid)
    literal = " ".join("".join(parts).split())
    if len(literal) < 3:
        return None
    words = (r"\s+".join(map(re.escape, part.split())) for part in parts)
    return re.compile("^" + r"\s*.+?\s*".join(words) + "$")


def catalogue():
    """English msgid → French msgstr, for the translatable strings of the product (not fuzzy)."""
    entries = {}
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            plural = entry.msgstr_plural or {}
            pairs = [(entry.msgid, plural.get(0, "")), (entry.msgid_plural, plural.get(1, ""))]
        for msgid, msgstr in pairs:
            entries[msgid] = "" if entry.fuzzy else msgstr
    return entries


def untranslated(page_texts, strings, exclude):
    """Text nodes equal to one of `strings` (placeholders match anything), minus user content."""
    found = set()
    literal = {" ".join(s.split()) for s in strings}
    patterns = [p for p in map(_pattern, (s for s in strings if PLACEHOLDER.search(s))) if p]
    for text in page_texts - exclude:
        if text in SAME_IN_BOTH:
            continue
        if text in literal or any(p.match(text) for p in patterns):
            found.add(text)
    return found


def user_content():
    """Names and titles typed by people (they stay as they were written), and notifications."""
    from accounts.models import Domain, Entity, Notification
    from ideas.models import Campaign, Comment, Tag, Theme

    values = set(User.objects.values_list("display_name", flat=True))
    for model, fields in (
        (Idea, ("title",)),
        (Theme, ("name",)),
        (Domain, ("name",)),
        (Entity, ("name",)),
        (Campaign, ("title", "question")),
        (Tag, ("name",)),
        (Comment, ("body",)),
        # Written once, in the recipient's language of the day.
        (Notification, ("text",)),
    ):
        for field in fields:
            values.update(model.objects.values_list(field, flat=True))
    return {" ".join(str(v).split()) for v in values if v}


def render_all(language):
    pages = {}
    for email, paths in main_pages().items():
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if email:
            user = User.objects.get(email=email)
            User.objects.filter(pk=user.pk).update(language=language)
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (email, path, response.status_code)
            assert response.headers.get("Content-Language", language) == language, (email, path)
            pages[(email, path)] = texts(response.content.decode())
    return pages


@pytest.fixture
def demo(db):
    call_command("seed_demo", employees=150, seed=5, quiet=True)


def report(found):
    return "\n".join(f"{email or 'anonymous'} {path}: {sorted(texts)}" for (email, path), texts in found)


def check(language, strings):
    exclude = user_content()
    pages = render_all(language).items()
    return [(key, bad) for key, page in pages if (bad := untranslated(page, strings, exclude))]


def test_french_pages_show_no_english_string_of_the_catalogue(demo):
    found = check("fr", {msgid for msgid, msgstr in catalogue().items() if msgid and msgstr != msgid})
    assert not found, "English strings on French pages (translate them in locale/fr):\n" + report(found)


def test_english_pages_show_no_french_string_of_the_catalogue(demo):
    found = check("en", {msgstr for msgid, msgstr in catalogue().items() if msgstr and msgstr != msgid})
    assert not found, "French strings on English pages:\n" + report(found)


def test_the_checker_catches_an_untranslated_string():
    """The comparison itself: a French page showing an English msgid is caught, user content is not."""
    strings = {"Submit an idea", "%(counter)s ideas waiting", "Ideabox"}
    page = texts(
        '<main><h1>Soumettre</h1><a aria-label="Submit an idea">+</a><p>12 ideas waiting</p>'
        "<p>Ideabox</p><p>Submit an idea</p><script>var s = 'Submit an idea'</script></main>"
    )
    assert untranslated(page, strings, exclude=set()) == {"Submit an idea", "12 ideas waiting"}
    assert untranslated(page, strings, exclude={"Submit an idea"}) == {"12 ideas waiting"}
