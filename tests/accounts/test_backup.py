"""Backups round-trip: a seeded organisation in a scratch database is backed up (pg_dump -Fc plus the
media folder) and restored into another scratch database; row counts and a checksum of the ideas match."""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.conftest import needs_postgres

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "accounts_user",
    "accounts_entity",
    "accounts_notification",
    "ideas_idea",
    "ideas_comment",
    "ideas_vote",
    "ideas_follow",
    "moderation_transition",
    "gamification_pointentry",
    "analytics_visit",
]
IDEAS_CHECKSUM = (
    "SELECT md5(coalesce(string_agg(id || '|' || title || '|' || body || '|' || state, ',' ORDER BY id), ''))"
    " FROM ideas_idea"
)


def _admin_connection():
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def _url(name):
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{name}"


def _manage(*args, database, media, timeout=600):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": _url(database),
        "MEDIA_ROOT": str(media),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "REDIS_URL": "",
    }
    env.pop("IDEABOX_TESTING", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _figures(name):
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=name,
    )
    try:
        with connection.cursor() as cursor:
            counts = {}
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
                counts[table] = cursor.fetchone()[0]
            cursor.execute(IDEAS_CHECKSUM)
            return counts, cursor.fetchone()[0]
    finally:
        connection.close()


@needs_postgres
def test_backup_and_restore_round_trip(tmp_path):
    stamp = time.time_ns()
    source, target = f"scratch_backup_src_{stamp}", f"scratch_backup_dst_{stamp}"
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{source}"')
            cursor.execute(f'CREATE DATABASE "{target}"')
        media_src, media_dst = tmp_path / "media-src", tmp_path / "media-dst"
        (media_src / "attachments" / "2026" / "01").mkdir(parents=True)
        (media_src / "attachments" / "2026" / "01" / "token.png").write_bytes(b"\x89PNG fake pixels")
        _manage("migrate", "--no-input", database=source, media=media_src)
        _manage("seed_demo", "--employees", "200", "--seed", "3", "--quiet", database=source, media=media_src)
        before, checksum = _figures(source)
        assert before["ideas_idea"] > 0
        assert before["ideas_vote"] > 0
        out = _manage("backup", "--dest", str(tmp_path / "backups"), database=source, media=media_src)
        folders = list((tmp_path / "backups").glob("ideabox-*"))
        assert len(folders) == 1
        assert str(folders[0]) in out
        assert {p.name for p in folders[0].iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
        _manage("restore", str(folders[0]), "--yes", database=target, media=media_dst)
        after, restored_checksum = _figures(target)
        print(f"backup round-trip: {before} checksum {checksum}")
        assert after == before
        assert restored_checksum == checksum
        assert (
            media_dst / "attachments" / "2026" / "01" / "token.png"
        ).read_bytes() == b"\x89PNG fake pixels"
        # A second restore over live data (the --clean path) gives the same figures.
        _manage("restore", str(folders[0]), "--yes", database=target, media=media_dst)
        assert _figures(target) == (before, checksum)
    finally:
        with admin.cursor() as cursor:
            for name in (source, target):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_restore_asks_for_confirmation(tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path))


def test_a_damaged_backup_is_refused(tmp_path, settings):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        with pytest.raises(CommandError, match="need PostgreSQL"):
            call_command("restore", str(tmp_path), "--yes")
        return
    folder = tmp_path / "ideabox-x"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"files": {"database.dump": "0000"}}')
    (folder / "database.dump").write_bytes(b"garbage")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(folder), "--yes")


def test_backup_on_sqlite_says_what_to_do(tmp_path, settings):
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3"}
    with pytest.raises(CommandError, match="copy .* and the media folder"):
        call_command("backup", "--dest", str(tmp_path))
