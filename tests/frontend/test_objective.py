"""The home page's objective: the default sentence is translated; one set in the environment is
shown as written."""

from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape

from accounts.models import User
from tests.conftest import client_for

DEFAULT = (
    "Every employee's idea reaches the expert who can make it happen, whatever their place in the hierarchy."
)


def test_the_default_objective_is_translated(client, org, settings):
    assert isinstance(settings.IDEABOX_OBJECTIVE, Promise)
    client_for(client, org.alice)
    assert escape(DEFAULT) in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    with translation.override("fr"):
        french = translation.gettext(DEFAULT)
    page = client.get("/").content.decode()
    assert '<html lang="fr">' in page
    assert escape(french) in page


def test_an_objective_from_the_environment_is_shown_as_written(client, org, settings):
    settings.IDEABOX_OBJECTIVE = "Cut our energy bill by a quarter."
    User.objects.filter(pk=org.alice.pk).update(language="fr")
    client_for(client, org.alice)
    assert "Cut our energy bill by a quarter." in client.get("/").content.decode()
