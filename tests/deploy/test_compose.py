"""The production stack: docker-compose.yml, the Dockerfile, .env.example and deploy/nginx.conf.

No Docker engine runs in CI, so besides reading the files these tests run each app service's
command natively, exactly as docker-compose.yml spells it (ports aside), against the local
Postgres and Redis: migrate, gunicorn, daphne, the Celery worker and beat.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
NGINX_CONF = REPO / "deploy" / "nginx.conf"
SETTINGS = REPO / "config" / "settings.py"

SERVICES = {"db", "redis", "migrate", "web", "ws", "worker", "beat", "proxy"}
APP_SERVICES = ("migrate", "web", "ws", "worker", "beat")
# Settings docker-compose.yml must not let .env change: paths baked into the image or its volumes,
# and the name of the database pytest creates.
NOT_IN_CONTAINERS = {"STATIC_ROOT", "MEDIA_ROOT", "TEST_DATABASE_NAME"}
SETTINGS_CALL = re.compile(r"\bget_(?:str|bool|int|url|list|database|rate)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")

START_TIMEOUT = 30  # seconds a server gets to answer
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455
STOP_TIMEOUT = 10  # seconds a process gets to exit on SIGTERM before SIGKILL


# --- Reading the files ---------------------------------------------------------------------------
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def with_defaults(value, variables: dict[str, str] | None = None) -> str:
    """What Compose makes of a value: ${VAR:-default} -> the variable from `variables` (the shell or
    .env), else the default."""
    variables = variables or {}
    return INTERPOLATION.sub(lambda m: variables.get(m.group(1)) or m.group(2) or "", str(value)).replace(
        "$$", "$"
    )


def service_command(name: str, variables: dict[str, str] | None = None) -> list[str]:
    command = compose()["services"][name]["command"]
    if isinstance(command, list):
        return [with_defaults(part, variables) for part in command]
    return shlex.split(with_defaults(command, variables))


def service_environment(name: str) -> dict[str, str]:
    environment = compose()["services"][name].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: with_defaults("" if value is None else value) for key, value in environment.items()}


def settings_variables() -> set[str]:
    return set(SETTINGS_CALL.findall(SETTINGS.read_text()))


def env_example_variables() -> set[str]:
    return set(re.findall(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def dockerfile_stages() -> list[list[str]]:
    """Instructions (continuation lines joined, comments dropped), grouped by stage."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    instructions, current = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip():
            instructions.append(" ".join(current.split()))
        current = ""
    stages: list[list[str]] = []
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            stages.append([instruction])
        elif stages:
            stages[-1].append(instruction)
    return stages


# --- The files -----------------------------------------------------------------------------------
def test_compose_services():
    config = compose()
    services = config["services"]
    assert set(services) >= SERVICES, f"missing services: {sorted(SERVICES - set(services))}"

    db = services["db"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    named = {volume.split(":")[0] for volume in db["volumes"]}
    assert "pgdata" in named, "the database needs the named volume pgdata"
    assert "pgdata" in config["volumes"]

    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    assert "--maxclients 10000" in " ".join(redis["command"])
    assert "ping" in " ".join(redis["healthcheck"]["test"])

    assert "gunicorn" in service_command("web")
    assert "config.wsgi:application" in service_command("web")
    assert "daphne" in service_command("ws")
    assert "config.asgi:application" in service_command("ws")
    assert service_environment("ws")["CONN_MAX_AGE"] == "0", "daphne keeps no database connection"
    assert service_command("migrate")[:3] == ["python", "manage.py", "migrate"]
    assert service_command("worker")[:4] == ["celery", "-A", "config", "worker"]
    assert "--concurrency ${WORKER_CONCURRENCY:-2}" in services["worker"]["command"]
    assert service_command("worker", {"WORKER_CONCURRENCY": "8"})[-2:] == ["--concurrency", "8"]
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "django_celery_beat.schedulers:DatabaseScheduler" in service_command("beat")

    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "ws", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker"):
        assert "media:/app/media" in services[name]["volumes"], name
    assert "media" in config["volumes"]
    for name in APP_SERVICES:
        environment = service_environment(name)
        assert environment["DATABASE_URL"] == "postgres://ideabox:@db:5432/ideabox", name
        assert environment["REDIS_URL"] == "redis://redis:6379/0", name

    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert any(str(port).endswith(":80") and "HTTP_PORT" in str(port) for port in proxy["ports"])


def test_web_processes_are_stateless_and_tasks_acknowledged_late():
    """What `--scale web=4 --scale worker=4` relies on (docs/operations.md, "Scale out")."""
    from django.conf import settings

    # Sessions in the database (or the Redis cache), never in a process or on a container's disk.
    assert settings.SESSION_ENGINE in {
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.cache",
    }
    if settings.SESSION_ENGINE.endswith(".cache"):
        assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    # Media on the shared volume, or in S3-compatible storage through django-storages.
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env = {**base, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    s3 = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=REPO,
        env={**env, "AWS_STORAGE_BUCKET_NAME": "ideabox-media", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert s3.stdout.strip() == "storages.backends.s3.S3Storage", s3.stderr[-1000:]


def test_nginx_routes_websockets_to_daphne_and_the_rest_to_gunicorn():
    conf = NGINX_CONF.read_text()
    ws_block = conf.split("location /ws/", 1)[1].split("location /", 1)[0]
    assert "ws:8001" in conf
    assert "web:8000" in conf
    assert "proxy_set_header Upgrade $http_upgrade" in ws_block
    assert "proxy_set_header Connection $connection_upgrade" in ws_block
    for location in conf.split("location ")[1:]:
        for header in ("X-Forwarded-Proto", "X-Forwarded-For", "X-Request-ID", "Host"):
            assert f"proxy_set_header {header} " in location, f"{header} not passed in {location[:20]!r}"


def test_compose_config_is_valid_in_a_fresh_clone(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail(
            "docker-compose is not installed: install Debian's docker-compose package "
            "(apt-get install docker-compose) so that docker-compose.yml can be validated"
        )
    # A fresh clone: the compose file and what it mounts, no .env, no variable set.
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    (tmp_path / "deploy").mkdir()
    shutil.copy(NGINX_CONF, tmp_path / "deploy" / "nginx.conf")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [binary, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"docker-compose config -q failed:\n{result.stdout}\n{result.stderr}"


def test_dockerfile_final_stage_is_slim_and_not_root():
    stages = dockerfile_stages()
    assert len(stages) >= 2, "the Dockerfile should build in one stage and run from another"
    builder, final = stages[0], stages[-1]
    assert all(stage[0].split()[1] == "python:3.11-slim-bookworm" for stage in stages)
    assert any("pip install -r requirements.lock" in line for line in builder)
    assert any("collectstatic --no-input" in line for line in builder)

    users = [line.split(None, 1)[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the final stage has no USER line: the containers would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"the final stage runs as {users[-1]!r}"

    build_tools = re.compile(
        r"(?<![\w.-])(gcc|g\+\+|cc|c\+\+|clang|build-essential|make|cmake|pkg-config|[\w.+-]+-dev)(?![\w.+-])"
    )
    offending = [line for line in final if build_tools.search(line)]
    assert not offending, f"the final stage installs build tools: {offending}"
    # Nothing but the virtualenv and the application comes from the builder (no compiler copied over).
    copied = [line.split()[1:-1] for line in final if line.startswith("COPY --from=")]
    assert copied == [["--from=builder", "/opt/venv"], ["--from=builder", "/app"]], copied
    assert any(line.startswith("COPY --from=builder /opt/venv") for line in final)
    exposed = {port for line in final if line.upper().startswith("EXPOSE ") for port in line.split()[1:]}
    assert {"8000", "8001"} <= exposed
    assert "gunicorn" in next(line for line in final if line.upper().startswith("CMD "))

    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".venv", ".git", ".env", "db.sqlite3", "media", "node_modules"} <= ignored


def test_env_example_lists_every_variable():
    documented = env_example_variables()
    read_by_settings = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG"} <= read_by_settings  # the regex still works
    missing = read_by_settings - documented
    assert not missing, f"read by config/settings.py but missing from .env.example: {sorted(missing)}"

    used_by_compose = {name for name, _ in INTERPOLATION.findall(COMPOSE_FILE.read_text())}
    compose_only = {"POSTGRES_PASSWORD", "WEB_WORKERS", "WEB_THREADS", "WORKER_CONCURRENCY", "HTTP_PORT"}
    assert used_by_compose >= compose_only
    missing = used_by_compose - documented
    assert not missing, f"used by docker-compose.yml but missing from .env.example: {sorted(missing)}"

    # Each documented variable comes with a comment line just above it.
    lines = ENV_EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("#"), f".env.example: {line!r} has no comment"


def test_containers_receive_every_setting():
    """No env_file in docker-compose.yml: a setting it does not list never reaches the containers."""
    expected = settings_variables() - NOT_IN_CONTAINERS
    for name in APP_SERVICES:
        missing = expected - set(service_environment(name))
        assert not missing, f"docker-compose.yml does not pass {sorted(missing)} to the {name} service"


# --- Running each service natively ---------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_database_url() -> str | None:
    """A throwaway database on the Postgres server of DATABASE_URL (or the local one), migrated fresh.

    Never the database DATABASE_URL names: migrate, beat and the worker write to it.
    """
    import psycopg2
    from psycopg2 import sql

    configured = os.environ.get("DATABASE_URL", "")
    if urlparse(configured).scheme in {"postgres", "postgresql", "pgsql", "psql"}:
        server = urlparse(configured)
    else:
        server = urlparse("postgres://postgres@127.0.0.1:5432/postgres")
    name = "ideabox_deploy_test"
    connection = None
    for maintenance_db in ("postgres", server.path.lstrip("/") or "postgres"):
        try:
            address = urlunparse(server._replace(path=f"/{maintenance_db}"))
            connection = psycopg2.connect(address, connect_timeout=3)
            break
        except psycopg2.OperationalError:
            continue
    if connection is None:
        return None
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg2.Error:
        return configured or None  # no CREATEDB right: fall back on the configured database
    finally:
        connection.close()
    return urlunparse(server._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    """The environment every service runs with, the logs directory and a way to query the database."""
    import redis

    directory = tmp_path_factory.mktemp("deploy")
    database_url = _postgres_database_url() or f"sqlite:///{directory / 'deploy.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        pytest.fail(f"Redis does not answer at {redis_url} ({exc}): set REDIS_URL or start Redis")

    base = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    base.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    overrides = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "IDEABOX_TESTING": "1",  # plain static files storage: nothing collected here
    }
    assert len(overrides["SECRET_KEY"]) == 60

    def env_for(service: str) -> dict[str, str]:
        # What docker-compose.yml gives the container (defaults applied), then the local services.
        return {**base, **service_environment(service), **overrides}

    def count_rows(table: str) -> int:
        if database_url.startswith("sqlite"):
            with sqlite3.connect(urlparse(database_url).path) as connection:
                return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        import psycopg2

        connection = psycopg2.connect(database_url, connect_timeout=3)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                return cursor.fetchone()[0]
        finally:
            connection.close()

    return {"dir": directory, "env_for": env_for, "count_rows": count_rows, "database_url": database_url}


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (gunicorn workers, Celery children), SIGKILL if it lingers."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)
    with suppress(ProcessLookupError, PermissionError):  # children that outlived their parent
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def _running(args: list[str], env: dict[str, str], log: Path):
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop(process)


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _wait_for_status(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    status = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited with {process.returncode}:\n{_tail(log)}")
        status = _get(url)
        if status == 200:
            return
        time.sleep(0.5)
    pytest.fail(f"GET {url} answered {status} instead of 200 within {START_TIMEOUT} s:\n{_tail(log)}")


def _replace_option(args: list[str], options: tuple[str, ...], value: str) -> list[str]:
    indexes = [index for index, arg in enumerate(args) if arg in options]
    assert len(indexes) == 1, f"expected one of {options} in {args}"
    return args[: indexes[0] + 1] + [value] + args[indexes[0] + 2 :]


@pytest.fixture(scope="module")
def migrated(native):
    env = native["env_for"]("migrate")
    try:
        return subprocess.run(
            service_command("migrate"),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"migrate did not finish within 180 s:\n{exc.stdout}\n{exc.stderr}")


def _require_migrated(migrated) -> None:
    if migrated.returncode != 0:
        pytest.fail("the database could not be migrated (see test_migrate_service)")


@pytest.mark.timeout(200)
def test_migrate_service(migrated):
    assert migrated.returncode == 0, f"migrate failed:\n{migrated.stdout[-3000:]}\n{migrated.stderr[-3000:]}"


@pytest.mark.timeout(90)
def test_web_service_serves_healthz(native, migrated):
    _require_migrated(migrated)
    port = _free_port()
    args = _replace_option(service_command("web"), ("--bind", "-b"), f"127.0.0.1:{port}")
    log = native["dir"] / "web.log"
    env = native["env_for"]("web")
    with _running(args, env, log) as process:
        _wait_for_status(process, f"http://127.0.0.1:{port}/healthz", log)
        # The container's own health check, pointed at this port.
        check = compose()["services"]["web"]["healthcheck"]["test"]
        assert check[0] == "CMD"
        check = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in check[1:]]
        result = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, f"the web health check fails:\n{result.stderr}"
    assert "/healthz" in log.read_text(errors="replace"), "gunicorn's access log goes to stdout"


def _django(env: dict[str, str], code: str) -> str:
    """Runs Python with Django set up in a service's environment; returns its last output line."""
    prelude = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{code}\n{result.stderr[-3000:]}"
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


SESSION_FOR_A_USER = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user, _ = get_user_model().objects.get_or_create(
    email="ws-probe@example.com", defaults={"display_name": "WS"}
)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(user.pk, settings.SESSION_COOKIE_NAME, store.session_key)
"""


class _WebSocket:
    """The client side of RFC 6455, just enough to talk to a consumer (no library in the lock)."""

    def __init__(self, port: int, path: str, cookie: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()  # noqa: S324
        self.accepted = self.status_line.split()[1:2] == ["101"] and expected.encode() in head

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send_text(self, text: str) -> None:
        payload = text.encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def receive_text(self) -> str:
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        payload = self._read(length)
        if first & 0x0F == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            raise ConnectionError(f"the server closed the websocket with code {code}")
        return payload.decode()

    def close(self) -> None:
        with suppress(OSError):
            self.sock.close()


@pytest.mark.timeout(120)
def test_ws_service_accepts_websockets(native, migrated):
    """daphne: /healthz/live answers, and a logged-in websocket gets its pong and a message that
    another process sends through the Redis channel layer."""
    _require_migrated(migrated)
    port = _free_port()
    args = _replace_option(service_command("ws"), ("-b", "--bind"), "127.0.0.1")
    args = _replace_option(args, ("-p", "--port"), str(port))
    log = native["dir"] / "ws.log"
    env = native["env_for"]("ws")
    assert env["CONN_MAX_AGE"] == "0"
    user_id, cookie_name, session_key = _django(env, SESSION_FOR_A_USER).split()
    with _running(args, env, log) as process:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"daphne does not accept connections on port {port}:\n{_tail(log)}")
                time.sleep(0.3)
        _wait_for_status(process, f"http://127.0.0.1:{port}/healthz/live", log)

        anonymous = _WebSocket(port, "/ws/notifications/", "")
        anonymous.close()
        # The consumer refuses anyone not logged in: daphne answers the handshake with 403.
        assert not anonymous.accepted
        assert anonymous.status_line.split()[1:2] == ["403"], anonymous.status_line

        client = _WebSocket(port, "/ws/notifications/", f"{cookie_name}={session_key}")
        try:
            assert client.accepted, f"websocket refused: {client.status_line}\n{_tail(log)}"
            client.send_text('{"type": "ping"}')
            assert json.loads(client.receive_text()) == {"type": "pong", "live": True}
            sent = _django(
                env,
                "from config.realtime import group_send_safely\n"
                f"print(group_send_safely('user.{user_id}', "
                "{'type': 'notify', 'payload': {'type': 'probe', 'n': 1}}))",
            )
            assert sent == "True"
            assert json.loads(client.receive_text()) == {"type": "probe", "n": 1}
        finally:
            client.close()


def _wait_in_log(process, log: Path, pattern: re.Pattern, what: str, timeout: float = START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not pattern.search(log.read_text(errors="replace")):
        if process.poll() is not None:
            pytest.fail(f"{what}: the process exited with {process.returncode}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s:\n{_tail(log)}")
        time.sleep(0.5)


@pytest.mark.timeout(150)
def test_worker_service_runs_a_task(native, migrated):
    """The worker runs a task sent through the broker, with the concurrency of WORKER_CONCURRENCY,
    and its container health check (a ping through the broker) passes."""
    _require_migrated(migrated)
    log = native["dir"] / "worker.log"
    env = {**native["env_for"]("worker"), "HOSTNAME": socket.gethostname()}
    send = (
        "from config.celery import app\n"
        "result = app.send_task('gamification.tasks.badges_for_users', args=[[]])\n"
        "print(result.id)\n"
    )
    command = service_command("worker", {"WORKER_CONCURRENCY": "3"})
    with _running(command, env, log) as process:
        task_id = _django(env, send)
        _wait_in_log(process, log, re.compile(rf"{re.escape(task_id)}\]? succeeded"), f"task {task_id}")
        assert re.search(r"concurrency:\s+3\b", log.read_text(errors="replace")), _tail(log)
        check = compose()["services"]["worker"]["healthcheck"]["test"]
        assert check[0] == "CMD-SHELL"
        result = subprocess.run(
            ["/bin/sh", "-c", with_defaults(check[1])],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"the worker health check fails:\n{result.stdout}\n{result.stderr}"
        assert "pong" in result.stdout


PERIODIC_PROBE = """
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.update_or_create(
    name="deploy-test-probe",
    defaults={
        "interval": every, "task": "gamification.tasks.badges_for_users", "args": "[[]]", "enabled": True
    },
)
print(PeriodicTask.objects.count())
"""


@pytest.mark.timeout(150)
def test_beat_service_sends_periodic_tasks_that_the_worker_runs(native, migrated):
    """beat, with the schedule in the database, sends a due periodic task; the worker runs it."""
    _require_migrated(migrated)
    beat_log = native["dir"] / "beat.log"
    worker_log = native["dir"] / "worker-for-beat.log"
    env = native["env_for"]("beat")
    assert int(_django(env, PERIODIC_PROBE)) >= 1
    with (
        _running(service_command("worker"), native["env_for"]("worker"), worker_log) as worker,
        _running(service_command("beat"), env, beat_log) as beat,
    ):
        _wait_in_log(beat, beat_log, re.compile(r"Sending due task deploy-test-probe"), "beat sent no task")
        _wait_in_log(
            worker,
            worker_log,
            re.compile(r"badges_for_users\[[\w-]+\] succeeded"),
            "the worker ran no periodic task",
        )
        assert beat.poll() is None, f"beat exited with {beat.returncode}:\n{_tail(beat_log)}"
    output = beat_log.read_text(errors="replace")
    assert "DatabaseScheduler" in output, f"beat did not start with the DatabaseScheduler:\n{_tail(beat_log)}"
    # The schedule of config/settings.py was stored in the database next to the probe.
    assert native["count_rows"]("django_celery_beat_periodictask") > 1, "beat stored no periodic task"


@pytest.mark.timeout(120)
def test_image_static_files_post_process(native, tmp_path):
    """The image's collectstatic (manifest storage): every file a static asset references exists.

    Django's ManifestStaticFilesStorage does the same post-processing as WhiteNoise's compressed
    storage in the image, without the 40 s of compression.
    """
    collect = (
        "import django\n"
        "from django.conf import settings\n"
        "settings.STORAGES['staticfiles'] = "
        "{'BACKEND': 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    env = {
        **native["env_for"]("web"),
        "IDEABOX_TESTING": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        ["python", "-c", collect], cwd=REPO, env=env, capture_output=True, text=True, timeout=100, check=False
    )
    assert result.returncode == 0, (
        "collectstatic in the Dockerfile would fail, and so would `docker build`:\n" + result.stderr[-2000:]
    )
