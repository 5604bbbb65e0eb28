"""Search and similar ideas: PostgreSQL full-text (French and English) and trigram; SQLite fallback."""

import pytest
from django.db import connection

from ideas import services
from ideas.selectors import IdeaFilters, idea_list, similar_ideas
from tests.conftest import needs_postgres
from tests.helpers import published


@pytest.fixture
def ideas(org):
    return {
        "printers": published(
            org.alice,
            org.theme,
            title="Imprimer en recto-verso par défaut",
            body="Les imprimantes consomment trop de papier.",
        ),
        "bikes": published(
            org.cora,
            org.theme,
            title="Shared electric bikes between sites",
            body="Colleagues drive between the two sites every day.",
        ),
        "canteen": published(
            org.cora,
            org.theme,
            title="Later opening hours for the canteen",
            body="Teams in late shifts miss lunch.",
        ),
    }


def titles(queryset):
    return {idea.title for idea in queryset}


def test_search_finds_words_in_titles_bodies_and_comments(org, ideas):
    services.comment_create(idea=ideas["canteen"], author=org.colin, body="Vegetarian menus would help too.")
    assert titles(idea_list(user=org.colin, filters=IdeaFilters(q="bikes"))) == {ideas["bikes"].title}
    assert titles(idea_list(user=org.colin, filters=IdeaFilters(q="papier"))) == {ideas["printers"].title}
    assert titles(idea_list(user=org.colin, filters=IdeaFilters(q="vegetarian"))) == {ideas["canteen"].title}
    assert titles(idea_list(user=org.colin, filters=IdeaFilters(q="nothing-like-this"))) == set()


def test_similar_ideas_while_typing(org, ideas):
    found = similar_ideas(user=org.colin, title="Electric bikes for colleagues")
    assert found[0].title == ideas["bikes"].title
    assert len(found) <= 5
    assert similar_ideas(user=org.colin, title="ab") == []


@needs_postgres
def test_postgres_stems_french_and_english(org, ideas):
    assert connection.vendor == "postgresql"
    # "imprimante" (singular) finds "imprimantes" through the French stemmer; "drives" -> "drive".
    assert ideas["printers"].title in titles(idea_list(user=org.colin, filters=IdeaFilters(q="imprimante")))
    assert ideas["bikes"].title in titles(idea_list(user=org.colin, filters=IdeaFilters(q="driving")))


@needs_postgres
def test_postgres_trigram_tolerates_typos(org, ideas):
    found = similar_ideas(user=org.colin, title="Shared electrik bykes between sites")
    assert found
    assert found[0].title == ideas["bikes"].title


@needs_postgres
def test_postgres_similar_fills_with_ideas_sharing_words_in_their_body(org, ideas):
    # No title looks like this one, but the canteen idea's body has all its words.
    found = similar_ideas(user=org.colin, title="teams miss lunch")
    assert [idea.title for idea in found] == [ideas["canteen"].title]


@needs_postgres
def test_postgres_similar_ranks_nearest_titles_first_and_breaks_ties_by_support(org, ideas):
    twin = published(org.dana, org.theme, title="Shared electric bikes between sites")
    twin.vote_count = 7
    twin.save(update_fields=["vote_count"])
    found = similar_ideas(user=org.colin, title="Shared electric bikes between sites")
    assert [idea.pk for idea in found[:2]] == [twin.pk, ideas["bikes"].pk]  # same title: more support first


def test_search_pages_read_ids_first_and_show_the_same_cards_in_the_same_order(client, org):
    from django.test.utils import CaptureQueriesContext

    for i in range(25):
        idea = published(org.cora, org.theme, title=f"Printer settings number {i}", body="Paper waste.")
        for voter in (org.alice, org.bob)[: i % 3]:
            services.vote_cast(idea=idea, voter=voter)
    published(org.cora, org.theme, title="Unrelated canteen hours", body="Lunch is served too early.")
    filters = IdeaFilters(q="printer", sort="supported")
    expected = [idea.title for idea in idea_list(user=org.colin, filters=filters)]
    assert len(expected) == 25

    client.force_login(org.colin)
    shown = []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/ideas/?q=printer&sort=supported&page={page}").content.decode()
        positions = [html.index(f">{title}</a>") for title in expected if f">{title}</a>" in html]
        assert positions == sorted(positions)  # in the list's order
        shown += [title for title in expected if f">{title}</a>" in html]
        searches = [q["sql"] for q in queries.captured_queries if "printer" in q["sql"].lower()]
        assert searches  # the page's ids (and the count, unless cached)
        assert not [sql for sql in searches if "body_html" in sql]  # the cards do not search again
    assert shown == expected  # every match once, across the two pages
    assert "Unrelated canteen hours" not in html
