"""Playwright with Debian's Chromium: one browser per test session, screenshots as artifacts."""

import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Session:
    """A person's browser context, with helpers that read like the journey."""

    def __init__(self, browser, base_url, artifacts, name, viewport, bypass_csp=False):
        # bypass_csp only to inject test tooling (axe-core); the product's CSP stays on otherwise.
        self.context = browser.new_context(viewport=viewport, locale="en-GB", bypass_csp=bypass_csp)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30000)  # 2 shared cores in CI: a login hashes a password
        self.base = base_url
        self.artifacts = artifacts
        self.name = name
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.shots = 0

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def login(self, email, password=PASSWORD):
        self.goto("/accounts/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, label):
        self.shots += 1
        path = self.artifacts / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def no_horizontal_scroll(self):
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    def close(self):
        self.context.close()


@pytest.fixture
def session_factory(browser, live_server, artifacts):
    sessions = []

    def make(name, viewport=PHONE, bypass_csp=False):
        session = Session(browser, live_server.url, artifacts, name, viewport, bypass_csp=bypass_csp)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
