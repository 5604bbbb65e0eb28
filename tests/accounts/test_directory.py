"""HR directory import: `import_directory FILE.csv [--dry-run]` and the admin upload page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.directory import COLUMNS, directory_import
from accounts.models import Entity, User
from ideas.models import Idea
from ideas.services import idea_save_draft, idea_submit
from tests import factories as f

HEADER = list(COLUMNS)


@pytest.fixture(autouse=True)
def _english():
    """The reports and errors are read in English here (French is the product's default)."""
    with translation.override("en"):
        yield


def line(email, name, path, manager="", job="", site="", language="", roles=""):
    return [email, name, path, manager, job, site, language, roles]


def to_csv(rows, header=HEADER, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def company(size: int) -> list[list[str]]:
    """A CEO, 10 heads of subsidiary under them, everyone else under a head: `size` lines."""
    rows = [line("ceo@example.com", "Chief Executive", "Group", job="CEO", roles="executive")]
    heads = []
    for index in range(min(10, size - 1)):
        email = f"head{index}@example.com"
        heads.append(email)
        rows.append(line(email, f"Head {index}", f"Group/Subsidiary {index}", "ceo@example.com", "Head"))
    for index in range(size - len(rows)):
        sub = index % len(heads)
        rows.append(
            line(
                f"person{index}@example.com",
                f"Person {index}",
                f"Group/Subsidiary {sub}/Dept {sub}.{index % 7}",
                heads[sub],
                "Engineer",
                "Lyon" if index % 2 else "Paris",
                "en" if index % 3 == 0 else "fr",
                "expert" if index % 50 == 0 else "",
            )
        )
    return rows


@pytest.fixture
def small():
    return [
        line("eve@example.com", "Eve Executive", "Group", job="CEO", site="Paris", roles="executive"),
        line("dana@example.com", "Dana", "Group/Subsidiary A", "eve@example.com", "Director"),
        line("bob@example.com", "Bob", "Group/Subsidiary A/Dept A1", "dana@example.com", "Team lead"),
        line(
            "alice@example.com",
            "Alice",
            "Group/Subsidiary A/Dept A1",
            "bob@example.com",
            "Analyst",
            "Lyon",
            "en",
            "expert; community_manager",
        ),
    ]


# --- Creating and updating --------------------------------------------------------------------
@pytest.mark.django_db
def test_import_creates_people_entities_managers_and_roles(small):
    report = directory_import(data=to_csv(small))

    assert (report.created, report.updated, report.entities_created, report.rejected) == (4, 0, 3, [])
    alice = User.objects.select_related("entity__parent__parent", "manager").get(email="alice@example.com")
    assert alice.manager.email == "bob@example.com"
    assert [alice.entity.name, alice.entity.parent.name, alice.entity.parent.parent.name] == [
        "Dept A1",
        "Subsidiary A",
        "Group",
    ]
    assert alice.entity.parent.parent.kind == Entity.Kind.GROUP
    assert alice.entity.parent.kind == Entity.Kind.SUBSIDIARY
    assert alice.entity.path == f"{alice.entity.parent.path}{alice.entity.pk}/"
    assert (alice.job_title, alice.site, alice.language) == ("Analyst", "Lyon", "en")
    assert alice.is_expert
    assert alice.is_community_manager
    assert not alice.is_executive
    assert not alice.has_usable_password()
    assert alice.is_claimed
    assert alice.is_active
    assert User.objects.get(email="eve@example.com").is_executive
    assert User.objects.get(email="eve@example.com").manager is None


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    data = to_csv(company(300))
    first = directory_import(data=data)
    assert first.created == 300
    assert not first.rejected
    before = list(User.objects.order_by("pk").values())

    again = directory_import(data=data)

    assert (again.created, again.updated, again.deactivated, again.entities_created) == (0, 0, 0, 0)
    assert again.changed == 0
    assert again.unchanged == 300
    assert "0 changed" in again.summary()
    assert list(User.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_import_updates_existing_people_and_reuses_entities(org):
    rows = [
        line("eve@example.com", "Eve", "Group", roles="executive"),
        line("dana@example.com", "Dana", "Group/Subsidiary A", "eve@example.com"),
        # Bob moves to Subsidiary B / Dept B1 and gets a new title; Alice now reports to Dana.
        line("bob@example.com", "Bob Builder", "Group/Subsidiary B/Dept B1", "dana@example.com", "Head"),
        line("alice@example.com", "Alice", "Group/Subsidiary A/Dept A1", "dana@example.com"),
    ]
    entities = Entity.objects.count()

    report = directory_import(data=to_csv(rows))

    assert report.rejected == []
    assert report.created == 0
    assert report.entities_created == 0
    assert Entity.objects.count() == entities
    org.bob.refresh_from_db()
    org.alice.refresh_from_db()
    assert (org.bob.display_name, org.bob.job_title, org.bob.entity) == ("Bob Builder", "Head", org.dept_b1)
    assert org.alice.manager == org.dana
    # Bob is a correspondent of Operations (admin): the file's empty roles do not take that away.
    assert org.bob.is_correspondent


@pytest.mark.django_db
def test_people_absent_from_the_file_are_deactivated_not_deleted(org, small):
    idea = idea_save_draft(author=org.colin, title="Colin's idea", body="A body long enough", theme=org.theme)
    idea_submit(idea=idea, actor=org.colin)
    report = directory_import(data=to_csv(small))

    org.colin.refresh_from_db()
    assert not org.colin.is_active
    assert Idea.objects.filter(pk=idea.pk, author=org.colin).exists()
    # Ada is an administrator: an import never locks IT out.
    org.ada.refresh_from_db()
    assert org.ada.is_active
    listed = {row[0] for row in small}
    expected = User.objects.exclude(email__in=listed).exclude(is_superuser=True).count()
    assert report.deactivated == expected == 6  # Cora, Colin, Chloé, Oscar, Xavier, Camille

    # Back in the next file: reactivated.
    again = directory_import(data=to_csv([*small, line("colin@example.com", "Colin", "Group")]))
    org.colin.refresh_from_db()
    assert org.colin.is_active
    assert again.reactivated == 1


@pytest.mark.django_db
def test_unclaimed_placeholder_accounts_are_claimed_not_duplicated():
    by_email = User.objects.create_user(
        email="jeanne@example.com", display_name="J.", external_id="openideo:17", is_claimed=False
    )
    placeholder = User.objects.create_user(
        email="openideo-42@placeholder.invalid",
        display_name="Paul",
        external_id="openideo:42",
        is_claimed=False,
    )
    header = [*HEADER, "external_id"]
    rows = [
        [*line("jeanne@example.com", "Jeanne", "Group"), ""],
        [*line("paul@example.com", "Paul Durand", "Group", "jeanne@example.com"), "openideo:42"],
    ]

    report = directory_import(data=to_csv(rows, header=header))

    assert (report.created, report.claimed, report.rejected) == (0, 2, [])
    by_email.refresh_from_db()
    placeholder.refresh_from_db()
    assert by_email.is_claimed
    assert by_email.display_name == "Jeanne"
    assert placeholder.is_claimed
    assert placeholder.email == "paul@example.com"
    assert placeholder.manager == by_email
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_semicolon_separated_file_with_a_bom_is_read(small):
    data = "\ufeff".encode() + to_csv(small, delimiter=";")
    report = directory_import(data=data)
    assert report.created == 4
    assert not report.rejected
    assert User.objects.get(email="alice@example.com").is_expert


# --- Bad lines -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_ten_planted_errors_are_reported_exactly():
    rows = company(200)
    planted = {
        # file line number (header = 1) -> the broken row and the words its reason must contain
        12: (line("not-an-email", "Nobody", "Group"), "not a valid e-mail"),
        30: (line("noname@example.com", "", "Group"), "name is empty"),
        45: (line("nopath@example.com", "No Path", ""), "entity path is empty"),
        60: (line("hole@example.com", "Hole", "Group//Dept"), "empty part"),
        75: (line("lang@example.com", "Lang", "Group", language="de"), "unknown language"),
        90: (line("role@example.com", "Role", "Group", roles="expert;wizard"), "unknown role"),
        105: (line("ghost@example.com", "Ghost", "Group", "nobody@example.com"), "unknown manager"),
        120: (line("person5@example.com", "Dup", "Group"), "already appears on line"),
        135: (line("cyc1@example.com", "Cyc 1", "Group", "cyc2@example.com"), "manager cycle"),
        150: (line("cyc2@example.com", "Cyc 2", "Group", "cyc1@example.com"), "manager cycle"),
    }
    for number in sorted(planted):
        rows.insert(number - 2, planted[number][0])

    report = directory_import(data=to_csv(rows))

    assert [item.line for item in report.rejected] == sorted(planted)
    for item in report.rejected:
        assert planted[item.line][1] in item.reason, (item.line, item.reason)
    assert report.created == 200
    for email in ("ghost@example.com", "cyc1@example.com", "cyc2@example.com", "noname@example.com"):
        assert not User.objects.filter(email=email).exists()
    assert User.objects.get(email="person5@example.com").display_name == "Person 5"


@pytest.mark.django_db
def test_reports_of_a_rejected_manager_are_rejected_with_the_reason():
    rows = [
        line("boss@example.com", "Boss", "Group", language="xx"),
        line("worker@example.com", "Worker", "Group", "boss@example.com"),
        line("self@example.com", "Self", "Group", "self@example.com"),
        ["short@example.com", "Short"],
    ]
    report = directory_import(data=to_csv(rows))
    reasons = {item.line: item.reason for item in report.rejected}
    assert set(reasons) == {2, 3, 4, 5}
    assert "line 2, which was rejected" in reasons[3]
    assert "own manager" in reasons[4]
    assert "expected 8 fields, found 2" in reasons[5]
    assert User.objects.count() == 0


# --- Bad files: nothing imported -----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"email,name\nalice@example.com,Alice\n", "missing columns: entity_path"),
        (
            (b"email,name,entity,manager_email,job_title,site,language,roles\n"),
            "unknown columns: entity",
        ),
        (b"", "The file is empty"),
        (to_csv([line("zoe@example.com", "Zoé", "Groupe/Société")]).decode().encode("cp1252"), "not UTF-8"),
        (to_csv([line("zoe@example.com", "Zoé", "Groupe")]).decode().encode("utf-16"), "UTF-16"),
    ],
    ids=["missing-columns", "unknown-column", "empty", "windows-1252", "utf-16"],
)
def test_a_wrong_file_is_refused_with_a_clear_message_and_imports_nothing(org, data, message, tmp_path):
    users = list(User.objects.order_by("pk").values_list("pk", "is_active"))
    path = tmp_path / "directory.csv"
    path.write_bytes(data)

    with pytest.raises(CommandError) as error:
        call_command("import_directory", str(path))

    assert message in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert list(User.objects.order_by("pk").values_list("pk", "is_active")) == users


def test_encoding_error_names_the_line():
    from accounts.directory import DirectoryFileError, directory_parse

    data = to_csv([line("a@example.com", "A", "Group"), line("b@example.com", "Bé", "Group")])
    with pytest.raises(DirectoryFileError, match="on line 3"):
        directory_parse(data.decode().encode("latin-1"))


# --- Dry run and the command ---------------------------------------------------------------------
@pytest.mark.django_db
def test_dry_run_writes_nothing_and_reports_the_same(org, small, tmp_path, capsys):
    snapshot = (list(User.objects.order_by("pk").values()), list(Entity.objects.order_by("pk").values()))
    path = tmp_path / "directory.csv"
    path.write_bytes(to_csv([*small, line("new@example.com", "New", "Group/New Unit")]))

    call_command("import_directory", str(path), "--dry-run")

    out = capsys.readouterr().out
    assert "Dry run, nothing was written" in out
    assert "1 created" in out
    assert "1 entities created" in out
    assert (list(User.objects.order_by("pk").values()), list(Entity.objects.order_by("pk").values())) == (
        snapshot
    )

    call_command("import_directory", str(path))
    assert "1 created" in capsys.readouterr().out
    assert User.objects.filter(email="new@example.com", entity__name="New Unit").exists()


@pytest.mark.django_db
def test_command_prints_rejected_lines(tmp_path, capsys):
    path = tmp_path / "directory.csv"
    path.write_bytes(to_csv([line("a@example.com", "A", "Group"), line("b@example.com", "B", "")]))
    call_command("import_directory", str(path))
    captured = capsys.readouterr()
    assert "line 3: b@example.com: the entity path is empty" in captured.err
    assert "1 created" in captured.out
    assert "1 rejected" in captured.out


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_directory", str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_five_thousand_lines_import():
    """Bulk operations: a 5,000-line file costs a bounded number of queries, not one per person.

    (The time is measured by bench/extra_directory_import.py.)"""
    data = to_csv(company(5000))
    with CaptureQueriesContext(connection) as queries:
        report = directory_import(data=data)
    assert report.created == 5000
    assert not report.rejected
    # Entities are few and created one by one (materialised paths); people go in bulk.
    assert report.entities_created == 81
    assert len(queries) <= 40 + 8 * report.entities_created, len(queries)
    assert User.objects.filter(manager__email="head3@example.com").count() == 499


# --- The admin page ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_upload_previews_then_applies(org, client, small):
    client.force_login(org.ada)
    url = reverse("admin:accounts_user_import_directory")
    assert (
        reverse("admin:accounts_user_import_directory")
        in client.get(reverse("admin:accounts_user_changelist")).content.decode()
    )
    upload = io.BytesIO(to_csv([*small, line("new@example.com", "New Person", "Group", "eve@example.com")]))
    upload.name = "directory.csv"

    preview = client.post(url, {"file": upload, "dry_run": "on"})

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Dry run, nothing was written" in page
    assert "1 created" in page
    assert not User.objects.filter(email="new@example.com").exists()
    token = preview.context["token"]

    applied = client.post(url, {"apply": "1", "token": token})

    assert applied.status_code == 200
    assert "Import done" in applied.content.decode()
    assert User.objects.get(email="new@example.com").manager == org.eve
    # The preview is used once.
    again = client.post(url, {"apply": "1", "token": token})
    assert again.status_code == 302


@pytest.mark.django_db
def test_admin_upload_shows_rejected_lines_and_file_errors(org, client):
    client.force_login(org.ada)
    url = reverse("admin:accounts_user_import_directory")
    bad = io.BytesIO(to_csv([line("<b>x</b>@example.com", "X", "Group")]))
    bad.name = "d.csv"
    page = client.post(url, {"file": bad}).content.decode()
    assert "rejected-lines" in page
    assert "&lt;b&gt;" in page
    assert "<b>x" not in page

    wrong = io.BytesIO(b"mail;nom\n")
    wrong.name = "d.csv"
    page = client.post(url, {"file": wrong}).content.decode()
    assert "missing columns: email" in page
    assert "Nothing was imported" in page


@pytest.mark.django_db
def test_admin_upload_is_refused_to_non_staff_and_staff_without_permission(org, client, small):
    url = reverse("admin:accounts_user_import_directory")
    upload = io.BytesIO(to_csv(small))
    upload.name = "directory.csv"
    client.force_login(org.alice)
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    org.bob.is_staff = True
    org.bob.save(update_fields=["is_staff"])
    client.force_login(org.bob)
    upload.seek(0)
    assert client.post(url, {"file": upload}).status_code == 403
    assert User.objects.get(email="alice@example.com").job_title == ""


@pytest.mark.django_db
def test_a_file_deactivating_most_people_needs_a_confirmation(small, tmp_path, capsys):
    for index in range(30):
        f.UserFactory(email=f"staff{index}@example.com")
    path = tmp_path / "directory.csv"
    path.write_bytes(to_csv(small))

    with pytest.raises(CommandError, match="would deactivate 30 of the 30 active people"):
        call_command("import_directory", str(path))
    assert User.objects.filter(is_active=True).count() == 30
    assert not User.objects.filter(email="alice@example.com").exists()

    call_command("import_directory", str(path), "--dry-run")
    assert "would deactivate 30 of the 30" in capsys.readouterr().err

    call_command("import_directory", str(path), "--allow-mass-deactivation")
    assert "30 deactivated" in capsys.readouterr().out
    assert User.objects.filter(is_active=True).count() == 4


@pytest.mark.django_db
def test_admin_preview_of_a_mass_deactivation_offers_no_apply(org, client, small):
    for index in range(30):
        f.UserFactory(email=f"more{index}@example.com")
    client.force_login(org.ada)
    url = reverse("admin:accounts_user_import_directory")
    upload = io.BytesIO(to_csv(small))
    upload.name = "directory.csv"
    page = client.post(url, {"file": upload, "dry_run": "on"})
    assert "is it the complete directory?" in page.content.decode()
    assert page.context["token"] is None
    assert "Apply this import" not in page.content.decode()

    upload.seek(0)
    page = client.post(url, {"file": upload, "dry_run": "on", "allow_mass_deactivation": "on"})
    assert "is it the complete directory?" not in page.content.decode()
    applied = client.post(url, {"apply": "1", "token": page.context["token"]})
    assert "Import done" in applied.content.decode()
    assert not User.objects.filter(email="more0@example.com", is_active=True).exists()
