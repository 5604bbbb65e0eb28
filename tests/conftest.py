"""The cast: Alice the author, Bob her manager, Dana his manager, Cora her co-author, Chloé the
correspondent of the Operations domain, Oscar a correspondent of another domain, Xavier the expert,
Camille the community manager, Eve the executive, Colin a colleague, Ada the admin."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from config.celery import app as celery_app
from tests import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_configure(config):
    from hypothesis import HealthCheck
    from hypothesis import settings as hsettings

    hsettings.register_profile(
        "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    hsettings.load_profile("ci")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file, never in Django's default in-memory database.

    With an in-memory database, Django and pytest-django hand the live server *the test thread's
    connection* (`connections_override`), and every request thread of the threaded live server then
    runs on that one sqlite3 connection at once. CPython's sqlite3 module cannot do that safely:
    a thread inside `sqlite3_step` holds the connection's mutex and calls back into Python for one of
    the functions Django registers on SQLite (dates, regexp, ...) so it waits for the GIL, while
    another thread holds the GIL and waits for that mutex in `sqlite3_bind`/`sqlite3_finalize`.
    Nothing can run after that, not even pytest-timeout's thread (seen with py-spy when the
    accessibility sweep ran after the websocket tests: the executive dashboard's parallel chart
    requests). A file gives every thread its own connection; WAL lets readers and one writer work
    together, IMMEDIATE transactions wait for the write lock (busy timeout) instead of failing on
    a lock upgrade."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not (db.get("TEST") or {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
        options = db.setdefault("OPTIONS", {})
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF")
        options.setdefault("transaction_mode", "IMMEDIATE")


@pytest.fixture(autouse=True)
def _clean_side_state():
    from analytics.services import visits_forget
    from gamification.services import rules_forget

    cache.clear()
    rules_forget()  # the per-process cache of point rules (rows of a rolled-back test)
    visits_forget()  # and of today's visits
    # Each test starts in the default language: a request in English activates it for the thread,
    # and tests passed or failed by the order they ran in.
    translation.activate(settings.LANGUAGE_CODE)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    return


def is_postgres():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


needs_postgres = pytest.mark.skipif(not is_postgres(), reason="runs on PostgreSQL (CI sets DATABASE_URL)")
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="runs against Redis (CI sets REDIS_URL)")


class Cast:
    pass


@pytest.fixture
def org(db):
    return build_cast()


def build_cast() -> Cast:
    """The cast, for fixtures of a wider scope than `org` (they open the database themselves)."""
    cast = Cast()
    cast.group = f.EntityFactory(name="Group", kind="group")
    cast.sub_a = f.EntityFactory(name="Subsidiary A", kind="subsidiary", parent=cast.group)
    cast.sub_b = f.EntityFactory(name="Subsidiary B", kind="subsidiary", parent=cast.group)
    cast.dept_a1 = f.EntityFactory(name="Dept A1", parent=cast.sub_a)
    cast.dept_a2 = f.EntityFactory(name="Dept A2", parent=cast.sub_a)
    cast.dept_b1 = f.EntityFactory(name="Dept B1", parent=cast.sub_b)
    U = f.UserFactory
    cast.eve = U(email="eve@example.com", display_name="Eve", entity=cast.group, is_executive=True)
    cast.dana = U(email="dana@example.com", display_name="Dana", entity=cast.sub_a, manager=cast.eve)
    cast.bob = U(email="bob@example.com", display_name="Bob", entity=cast.dept_a1, manager=cast.dana)
    cast.alice = U(email="alice@example.com", display_name="Alice", entity=cast.dept_a1, manager=cast.bob)
    cast.cora = U(email="cora@example.com", display_name="Cora", entity=cast.dept_a2, manager=cast.dana)
    cast.colin = U(email="colin@example.com", display_name="Colin", entity=cast.dept_b1, manager=cast.eve)
    cast.chloe = U(email="chloe@example.com", display_name="Chloé", entity=cast.dept_b1, manager=cast.eve)
    cast.oscar = U(email="oscar@example.com", display_name="Oscar", entity=cast.dept_b1, manager=cast.eve)
    cast.xavier = U(
        email="xavier@example.com",
        display_name="Xavier",
        entity=cast.dept_b1,
        manager=cast.eve,
        is_expert=True,
    )
    cast.camille = U(
        email="camille@example.com",
        display_name="Camille",
        entity=cast.group,
        manager=cast.eve,
        is_community_manager=True,
    )
    cast.ada = U(
        email="ada@example.com", display_name="Ada", entity=cast.group, is_staff=True, is_superuser=True
    )
    cast.ops = f.DomainFactory(name="Operations", slug="operations", community_manager=cast.camille)
    cast.it = f.DomainFactory(name="IT", slug="it", community_manager=cast.camille)
    f.correspondent(cast.ops, cast.chloe)
    f.correspondent(cast.ops, cast.bob)  # Bob moderates Operations too, but never Alice's ideas
    f.correspondent(cast.it, cast.oscar)
    cast.theme = f.ThemeFactory(name="Process optimisation", slug="process", domain=cast.ops)
    cast.it_theme = f.ThemeFactory(name="Digital tools", slug="digital", domain=cast.it)
    return cast


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def artifacts(request):
    folder = ARTIFACTS / request.node.name.replace("[", "_").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop in the main thread for the rest
    of the session, which async (websocket) tests cannot share."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.fspath))
