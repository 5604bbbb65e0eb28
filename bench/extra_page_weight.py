"""Page weight of the idea list, as a phone on the company network gets it.

Starts the production web server (gunicorn gthread, DEBUG=0, static files collected into a temporary
STATIC_ROOT and served compressed with cache-busting names by WhiteNoise) on a small seeded
database, then drives Debian's Chromium:

- first visit: an empty browser cache, already signed in (the cookies of another context), opens
  /ideas/; the service worker installs and caches the shell;
- second visit: the same browser opens /ideas/ again, now with the service worker's cache.

Transferred bytes are counted twice: by Chromium (CDP Network.loadingFinished encodedDataLength:
compressed bodies plus headers, for the page's own requests) and by the server (gunicorn's access
log: bytes of every response body it sent, including the service worker's own fetches).

    .venv/bin/python bench/extra_page_weight.py --out page_weight.json [--quick]

DATABASE_URL: a dedicated bench database that this script wipes (SQLite in a temporary folder
when unset). REDIS_URL is passed on when set.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FIRST_TARGET, SECOND_TARGET = 150 * 1024, 30 * 1024
LOG_FORMAT = '%(U)s %(s)s %(B)s "%(a)s"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "IDEABOX_TESTING"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        AXES_ENABLED="0",
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(env: dict, employees: int) -> None:
    manage(env, "migrate", "--no-input")
    manage(env, "flush", "--no-input")
    manage(env, "seed_demo", "--employees", str(employees), "--seed", "1", "--quiet")
    manage(env, "collectstatic", "--no-input")


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    gunicorn = VENV_BIN / "gunicorn" if (VENV_BIN / "gunicorn").exists() else "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            "4",
            "--access-logfile",
            str(log),
            "--access-logformat",
            LOG_FORMAT,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def server_bytes(log: Path, start: int) -> tuple[int, int, list[str]]:
    """Bytes of response bodies sent since `start` (a log offset), the new offset, and the paths."""
    time.sleep(0.5)  # gunicorn writes the access log line after the response
    data = log.read_bytes()
    total, paths = 0, []
    for line in data[start:].decode(errors="replace").splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[2].isdigit():
            total += int(parts[2])
            paths.append(f"{parts[0]} {parts[1]} {parts[2]}")
    return total, len(data), paths


class Meter:
    """Chromium's own count of what the page transferred (CDP encodedDataLength)."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.sw = 0
        self.from_sw = set()
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event):
        if event["response"].get("fromServiceWorker"):
            self.from_sw.add(event["requestId"])

    def _finished(self, event):
        if event["requestId"] in self.from_sw:
            self.sw += 1  # answered by the service worker: its own fetches are in the server's count
        else:
            self.bytes += int(event.get("encodedDataLength", 0))


def measure(base: str, log: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        login = browser.new_context(locale="fr-FR")
        page = login.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", "alice@example.com")
        page.fill("input[name=password]", "ideabox-demo")
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/accounts/login/" in page.url:
            raise SystemExit("could not sign in as the demo employee")
        state = login.storage_state()
        login.close()

        context = browser.new_context(
            locale="fr-FR", viewport={"width": 360, "height": 740}, storage_state=state
        )
        offset = log.stat().st_size
        page = context.new_page()
        meter = Meter(page)
        page.goto(base + "/ideas/")
        page.wait_for_load_state("networkidle")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(1000)  # the shell lands in the cache
        first_cdp = meter.bytes
        first_server, offset, first_paths = server_bytes(log, offset)
        page.close()

        page = context.new_page()
        meter = Meter(page)
        page.goto(base + "/ideas/")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        second_cdp, from_sw = meter.bytes, meter.sw
        second_server, offset, second_paths = server_bytes(log, offset)
        controlled = page.evaluate("!!navigator.serviceWorker.controller")
        browser.close()
    return {
        "first_cdp": first_cdp,
        "first_server": first_server,
        "first_paths": first_paths,
        "second_cdp": second_cdp,
        "second_server": second_server,
        "second_paths": second_paths,
        "second_from_sw": from_sw,
        "controlled": controlled,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="a smaller organisation (faster seeding)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ideabox-page-weight-"))
    env = server_env(tmp)
    log = tmp / "access.log"
    log.touch()
    process = None
    try:
        prepare(env, 150 if args.quick else 400)
        port = free_port()
        process = start_gunicorn(env, port, log)
        result = measure(f"http://localhost:{port}", log)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    first = max(result["first_cdp"], result["first_server"])
    second = max(result["second_cdp"], result["second_server"])
    rows = [
        {
            "metric": "first visit, idea list: transferred (max of Chromium and server counts)",
            "value": round(first / 1024, 1),
            "unit": "KB",
            "target": "< 150 KB",
            "ok": first < FIRST_TARGET,
        },
        {
            "metric": "second visit with the service worker's cache: transferred",
            "value": round(second / 1024, 1),
            "unit": "KB",
            "target": "< 30 KB",
            "ok": second < SECOND_TARGET,
        },
        {
            "metric": "first visit, Chromium encodedDataLength (page requests, headers included)",
            "value": round(result["first_cdp"] / 1024, 1),
            "unit": "KB",
            "target": "",
            "ok": None,
        },
        {
            "metric": "first visit, server response bodies (page and service worker)",
            "value": round(result["first_server"] / 1024, 1),
            "unit": "KB",
            "target": "",
            "ok": None,
        },
        {
            "metric": "second visit, Chromium encodedDataLength",
            "value": round(result["second_cdp"] / 1024, 1),
            "unit": "KB",
            "target": "",
            "ok": None,
        },
        {
            "metric": "second visit, server response bodies",
            "value": round(result["second_server"] / 1024, 1),
            "unit": "KB",
            "target": "",
            "ok": None,
        },
        {
            "metric": "second visit, responses answered by the service worker",
            "value": result["second_from_sw"],
            "unit": "requests",
            "target": "",
            "ok": None,
        },
    ]
    notes = (
        "gunicorn gthread DEBUG=0, WhiteNoise CompressedManifestStaticFilesStorage (gzip), "
        f"database {env['DATABASE_URL'].split(':', 1)[0]}, demo organisation, signed-in employee, "
        f"360x740 Chromium. Page controlled by the service worker on the second visit: "
        f"{result['controlled']}. First visit responses: {'; '.join(result['first_paths'])}. "
        f"Second visit responses: {'; '.join(result['second_paths']) or 'none'}. "
        "The server's count has bodies only and shows 0 for static files (WhiteNoise sends them "
        "with sendfile), so the first-visit figure is Chromium's; on the second visit every page "
        "request is answered by the service worker, whose own network fetch (the HTML) is the "
        "server's count."
    )
    Path(args.out).write_text(
        json.dumps({"title": "Page weight of the idea list", "rows": rows, "notes": notes}, indent=2)
    )
    for row in rows:
        print(f"{row['metric']}: {row['value']} {row['unit']} {row['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
