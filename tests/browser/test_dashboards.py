"""The dashboards render with their charts drawn, on desktop and phone viewports."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboards_draw_their_charts(session_factory):
    call_command("seed_demo", employees=400, seed=3, quiet=True)
    for email, path, charts in (
        ("eve@example.com", "/analytics/executive/", 6),
        ("camille@example.com", "/analytics/community/", 1),
    ):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            person = session_factory(f"{email.split('@')[0]}-{name}", viewport)
            person.login(email, "ideabox-demo")
            person.goto(path)
            person.page.wait_for_function(
                f"document.querySelectorAll('canvas[data-drawn=true]').length >= {charts}", timeout=15000
            )
            drawn = person.page.evaluate("""() => [...document.querySelectorAll('canvas[data-drawn=true]')]
                .filter(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                               for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
                               return false; })
                .length""")
            assert drawn >= charts, f"{path} on {name}: {drawn} non-empty charts"
            # Eve and Camille read French on an English browser: "1 500", not the browser's "1,500".
            locales = person.page.evaluate(
                "[...document.querySelectorAll('canvas[data-drawn=true]')]"
                ".map(c => Chart.getChart(c).options.locale)"
            )
            assert set(locales) == {"fr"}, f"{path} on {name}: charts formatted for {locales}"
            assert person.no_horizontal_scroll()
            if "community" in path:
                assert person.page.locator("#migration-table tr").count() > 5
            person.shot("dashboard")
            assert person.errors == []
