"""HR directory files as other tools write them: bare CR line ends, NUL characters, absurdly deep
entity paths. Each was a traceback; each is now a refused line (or a file read as it is)."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.directory import COLUMNS, directory_import
from accounts.models import User

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
ANN = "ann@example.com,Ann,Acme/Sales,,Boss,Paris,fr,executive"
BOB = "bob@example.com,Bob,Acme/Sales,ann@example.com,Rep,Paris,en,"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_file_with_bare_cr_line_ends_is_read():
    """Old Mac line ends (CR only) raised csv.Error from the header check: a traceback."""
    report = directory_import(data="\r".join([HEADER, ANN, BOB, ""]).encode())
    assert report.rejected == []
    assert User.objects.get(email="bob@example.com").manager.email == "ann@example.com"


def test_a_nul_character_or_a_too_deep_entity_path_refuses_that_line_only():
    """A NUL reached Postgres (which refuses it) and an entity path of 300 levels overflowed
    Entity.path (1,000 characters of ids): both failed the whole import at the write."""
    deep = "/".join(f"L{i}" for i in range(300))
    lines = [HEADER, ANN, "cat@example.com,Ca\x00t,Acme,,,,,", f"dan@example.com,Dan,{deep},,,,,", BOB]
    report = directory_import(data="\n".join(lines).encode())
    assert [(item.line, item.reason) for item in report.rejected] == [
        (3, "the line contains a NUL character (0x00); remove it"),
        (4, "the entity path has 300 levels (at most 50)"),
    ]
    assert sorted(User.objects.values_list("email", flat=True)) == ["ann@example.com", "bob@example.com"]
