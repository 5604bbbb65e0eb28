"""Real processes for tests: a Celery worker on its own queue, stopped cleanly whatever happens."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """The URL of the test database, for processes that must see the test's committed rows."""
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


def start_worker(env: dict, queue: str, app: str = "config") -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--pool",
        "solo",
        "-Q",
        queue,
        "--loglevel",
        "INFO",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) on a free port, that a test may stop and
    start at will. Runs as the ``postgres`` user when the test runs as root (initdb refuses root)."""

    BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")

    def __init__(self):
        import shutil
        import tempfile

        self.bin = next((d for d in self.BIN_DIRS if Path(d, "initdb").exists()), None)
        if self.bin is None and shutil.which("initdb"):
            self.bin = str(Path(shutil.which("initdb")).parent)
        if self.bin is None:
            raise RuntimeError("initdb/pg_ctl not found (Debian: postgresql-15)")
        self.root = Path(tempfile.mkdtemp(prefix="ideabox-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            import pwd

            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(Path(self.bin, tool)), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)  # noqa: S603

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ideabox"

    def start(self) -> None:
        # fsync off (the machine does not crash, only Postgres does: what it wrote is in the OS's
        # cache), but synchronous_commit on: off, a commit is answered before its WAL is written,
        # and an immediate stop lost ideas the server had acknowledged (seen as a flaky test).
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=on -c full_page_writes=off -c max_connections=50"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> subprocess.CompletedProcess:
        """``immediate`` is a crash (no clean shutdown); ``fast`` disconnects everyone and stops."""
        return self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        import shutil

        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_web(env: dict, port: int, workers: int = 2, threads: int = 4) -> subprocess.Popen:
    """The compose `web` command (gunicorn gthread), on 127.0.0.1."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--preload",  # Django loaded once before forking: the first requests are not 10 s imports
    ]
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, timeout=90)
    import urllib.request

    for _ in range(workers * 4):  # every worker answers once before the test measures anything
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=60) as answer:  # noqa: S310
            answer.read()
    return process


class PrivateRedis:
    """A throw-away redis-server on a free port, without persistence: stopped and started again it
    comes back empty, like a Redis restarted without its data (or a failover to an empty replica)."""

    def __init__(self):
        import shutil

        self.server = shutil.which("redis-server")
        if self.server is None:
            raise RuntimeError("redis-server not found (Debian: redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.server,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_for_port(self.port, timeout=5)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def database_url_for_child(directory: Path) -> str:
    """A database URL another process can open to read the rows the test has committed: the test
    database itself on PostgreSQL; on SQLite, whose test database lives in this process's memory, a
    copy of it in ``directory``, taken now (later writes stay here)."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        return worker_database_url()
    path = directory / "snapshot.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    return f"sqlite:///{path}"


def start_ws(env: dict, port: int, log: Path) -> subprocess.Popen:
    """The compose `ws` command (daphne, websockets), on 127.0.0.1, its output in ``log``."""
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_for_port(port, timeout=90)
    return process
