"""Pictures are drawn, not typed: a badge or an attachment drawn with an emoji shows a missing-glyph
box on a machine without an emoji font (Debian's Chromium without fonts-noto-color-emoji did)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Emoji and pictographs (U+1F000 and up), which common text fonts lack.
EMOJI = re.compile("[\U0001f000-\U0001faff]")


def test_badge_pictures_have_no_text_glyph():
    badges = sorted((REPO / "frontend" / "static" / "badges").glob("*.svg"))
    assert len(badges) >= 9
    for svg in badges:
        assert "<text" not in svg.read_text(), f"{svg.name} draws its symbol with a font glyph"


def test_templates_use_no_emoji():
    offenders = []
    for template in REPO.glob("*/templates/**/*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if EMOJI.search(line):
                offenders.append(f"{template.relative_to(REPO)}:{number}")
    assert offenders == [], f"emoji in templates (use {{% icon %}}): {offenders}"
