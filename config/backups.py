"""Backups: the PostgreSQL database with pg_dump's custom format (-Fc) plus a tar of MEDIA_ROOT, in
one timestamped folder; restore with pg_restore --clean --if-exists. Used by `manage.py backup` and
`manage.py restore` (`make backup` / `make restore`)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"
SQLITE_HELP = (
    "Backups use pg_dump and need PostgreSQL (DATABASE_URL=postgres://...). The embedded SQLite "
    "database is a single file: stop the server, then copy {name} and the media folder {media}."
)


def _database() -> dict:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith(("postgresql", "postgis")):
        raise CommandError(SQLITE_HELP.format(name=db["NAME"], media=settings.MEDIA_ROOT))
    return db


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    return [
        "--host",
        str(db.get("HOST") or "127.0.0.1"),
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        str(db.get("USER") or "postgres"),
    ]


def _binary(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise CommandError(f"{name} is missing: install the PostgreSQL client (Debian: postgresql-client).")
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_create(*, dest: Path) -> Path:
    """Writes DEST/ideabox-YYYYmmdd-HHMMSS/ with the dump, the media tarball and a manifest.

    The folder appears complete or not at all: it is written under a temporary name and renamed."""
    db = _database()
    dest.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    final = dest / f"ideabox-{stamp}"
    if final.exists():
        raise CommandError(f"{final} already exists: wait a second and run again.")
    work = dest / f".ideabox-{stamp}.partial"
    work.mkdir()
    try:
        dump = work / DUMP_NAME
        result = subprocess.run(  # noqa: S603 (fixed binary, arguments from settings)
            [_binary("pg_dump"), *_pg_args(db), "--format=custom", "--no-owner", "--no-privileges"]
            + ["--file", str(dump), str(db["NAME"])],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        media_root = Path(settings.MEDIA_ROOT)
        media = work / MEDIA_NAME
        files = 0
        with tarfile.open(media, "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        files += 1
        manifest = {
            "format": "ideabox-backup/1",
            "created_at": timezone.now().isoformat(),
            "database": str(db["NAME"]),
            "media_files": files,
            "files": {name: _sha256(work / name) for name in (DUMP_NAME, MEDIA_NAME)},
        }
        (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def backup_restore(*, source: Path) -> dict:
    """Restores a folder written by ``backup_create`` into DATABASE_URL and MEDIA_ROOT.

    Checks the manifest's checksums first; pg_restore runs in one transaction, so a failed restore
    leaves the database as it was."""
    db = _database()
    manifest_path = source / MANIFEST_NAME
    if not manifest_path.is_file():
        raise CommandError(f"{source} is not an Ideabox backup folder (no {MANIFEST_NAME}).")
    manifest = json.loads(manifest_path.read_text())
    for name, expected in manifest.get("files", {}).items():
        path = source / name
        if not path.is_file() or _sha256(path) != expected:
            raise CommandError(f"{path} is missing or damaged (checksum mismatch): restore refused.")
    connections.close_all()
    result = subprocess.run(  # noqa: S603 (fixed binary, arguments from settings)
        [_binary("pg_restore"), *_pg_args(db), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
        + ["--single-transaction", "--exit-on-error", "--dbname", str(db["NAME"]), str(source / DUMP_NAME)],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_restore failed (the database is unchanged): {result.stderr.strip()}")
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_NAME, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # refuses absolute paths, "..", links out
    return manifest
