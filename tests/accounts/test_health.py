import pytest
from django.db import connection
from django.test import Client

from config import health


@pytest.mark.django_db
def test_healthz_reports_dependencies():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


def test_liveness_needs_nothing():
    response = Client().get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_unreachable_database_gives_503_and_a_log_line(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("could not connect to server: Connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"status": "down", "error": "OperationalError"}
    assert "healthz: database is down" in caplog.text
    assert b"Traceback" not in response.content


def test_unreachable_postgres_url_gives_503(tmp_path):
    """A real unreachable DATABASE_URL (nothing listens on port 1) through a real process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.test import Client; r=Client().get('/healthz');"
        "print(r.status_code, r.json()['checks']['database'])"
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DATABASE_CONNECT_TIMEOUT": "1",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.startswith("503"), result.stdout + result.stderr
    assert "healthz: database is down" in result.stderr
