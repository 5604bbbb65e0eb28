"""Settings come from the environment; bad values stop start-up with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import needs_postgres

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG: expected a boolean"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://db/x"}, "DATABASE_URL: expected a URL with scheme"),
        ({"DEBUG": "1", "REDIS_URL": "localhost:6379"}, "REDIS_URL: expected a URL with scheme"),
        ({"DEBUG": "1", "CONN_MAX_AGE": "soon"}, "CONN_MAX_AGE: expected a whole number"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        ({"DEBUG": "1", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS and EMAIL_USE_SSL"),
        ({"DEBUG": "1", "RATE_LIMIT_VOTE": "lots"}, "RATE_LIMIT_VOTE: expected a rate"),
        (
            {"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1/x", "DATABASE_JOIN_COLLAPSE_LIMIT": "-1"},
            "DATABASE_JOIN_COLLAPSE_LIMIT: expected a number of at least 0",
        ),
    ],
)
def test_bad_environment_stops_startup_naming_the_variable(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_check_deploy():
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        DEBUG="0", SECRET_KEY="k" * 20 + "Qz9!" * 10, ALLOWED_HOSTS="ideas.example.com", IDEABOX_TESTING="0"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_database_backend_matches_database_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql", "psql")):
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor == "sqlite"


@needs_postgres
@pytest.mark.django_db
def test_postgres_sessions_plan_joins_four_tables_at_a_time():
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "4"


def test_join_collapse_limit_joins_options_given_in_the_url():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environment.update(
        DEBUG="1",
        DATABASE_URL="postgres://u@127.0.0.1/x?options=-c%20statement_timeout%3D5000",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "-c statement_timeout=5000 -c join_collapse_limit=4", result.stderr


def test_redis_url_selects_redis_layers():
    if os.environ.get("REDIS_URL"):
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["max_connections"] >= 100
        assert settings.CELERY_BROKER_URL.startswith("redis")
    else:
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
