"""The badge catalogue's rules read well at every level."""

from django.utils import translation

from gamification.badgify_recipes import ProlificAuthor


def test_level_one_says_one_idea_not_1_ideas():
    with translation.override("en"):
        rules = {recipe.level: str(recipe.rule) for recipe in ProlificAuthor}
    assert rules[1] == "Have one idea published."
    assert rules[5] == "Have 5 ideas published."


def test_the_badges_page_has_no_1_ideas(client, org):
    from tests.conftest import client_for

    client_for(client, org.alice)
    html = client.get("/points/badges/").content.decode()
    assert "Have 5 ideas published." in html
    assert "1 ideas" not in html
