"""Every main page at 360 px (no horizontal scrolling) and through axe-core (no serious or critical
violation), for each role's pages."""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.test_role_journeys import OVERFLOW
from tests.support.pages import main_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
NARROW = {"width": 360, "height": 780}
# Controls a thumb must hit (links inside a sentence are exempt, as WCAG 2.5.5 allows).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .btn, .bottomnav a, .topnav a, select, textarea, summary,'
    + ' input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file])')]
  .filter(e => e.offsetParent !== null && !e.closest('.visually-hidden, .skip-link'))
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => 'touch target ' + Math.round(e.getBoundingClientRect().height) + 'px: '
       + e.tagName.toLowerCase() + '.' + e.className + ' '
       + (e.textContent || e.name || '').trim().slice(0, 30))
  .slice(0, 5)"""


def audit(session, path):
    session.goto(path)
    overflow = session.page.evaluate(OVERFLOW) + session.page.evaluate(SMALL_TARGETS)
    session.shot(path.strip("/").replace("/", "-") or "home")
    session.page.add_script_tag(content=AXE)
    result = session.page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return overflow, result


def test_main_pages_fit_360px_and_pass_axe(session_factory):
    call_command("seed_demo", employees=300, seed=5, quiet=True)
    pages = {email: paths for email, paths in main_pages().items() if email}  # signed in
    problems = []
    for email, paths in pages.items():
        session = session_factory(email.split("@")[0], NARROW, bypass_csp=True)
        session.login(email, "ideabox-demo")
        for path in paths:
            overflow, violations = audit(session, path)
            if overflow:
                problems.append(f"{email} {path} at 360 px: {overflow}")
            problems.extend(f"{email} {path} axe {v}" for v in violations)
    anonymous = session_factory("anonymous", NARROW, bypass_csp=True)
    for path in ("/accounts/login/", "/accounts/signup/", "/offline/"):
        overflow, violations = audit(anonymous, path)
        problems.extend(f"anonymous {path} at 360 px: {overflow}" for _ in [0] if overflow)
        problems.extend(f"anonymous {path} axe {v}" for v in violations)
    assert problems == [], "\n".join(problems)
