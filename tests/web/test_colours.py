"""The page's colours meet WCAG 2.2 AA: the tokens of app.css on the backgrounds docs/accessibility.md pairs them
with, and the accent the page derives from each theme's colour scheme (js/colours.js, run in Chromium) — all
measured here with the Python implementation of the WCAG formula, not the page's own."""

from __future__ import annotations

import colorsys
import re

import pytest

from api.routers.web import WEB_DIR
from db.seed import THEMES
from render.colours import contrast_ratio, parse_hex
from settings import PROJECT_ROOT
from tests.web.conftest import open_page

DOC = PROJECT_ROOT / "docs" / "accessibility.md"
WHITE, PAPER = (255, 255, 255), parse_hex("#faf6f0")
_ROW = re.compile(r"^\| (?P<what>[^|]+) \| `(?P<fg>[^`]+)` \| `(?P<bg>[^`]+)` \| (?P<minimum>[\d.]+):1 \| "
                  r"(?P<ratio>[\d.]+):1 \|$", re.M)
_THEME_ROW = re.compile(r"^\| (?P<theme>\w+) \| (?P<scheme>[#\w, ]+) \| `(?P<accent>#[0-9a-f]{6})` \| "
                        r"(?P<ratio>[\d.]+):1 \|$", re.M)


def _tokens() -> dict[str, str]:
    css = (WEB_DIR / "css" / "app.css").read_text(encoding="utf-8")
    root = css[css.index(":root {"):css.index("}", css.index(":root {"))]
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def test_every_documented_colour_pair_meets_its_minimum_and_the_doc_says_its_true_ratio() -> None:
    tokens = _tokens()
    rows = list(_ROW.finditer(DOC.read_text(encoding="utf-8")))
    assert len(rows) >= 20
    documented = {row["fg"] for row in rows} | {row["bg"] for row in rows}
    assert set(tokens) - {"--line"} <= documented, f"undocumented tokens: {set(tokens) - documented}"
    for row in rows:
        ratio = contrast_ratio(parse_hex(tokens.get(row["fg"], row["fg"])), parse_hex(tokens.get(row["bg"], row["bg"])))
        assert ratio >= float(row["minimum"]), f"{row['what']}: {ratio:.2f}:1"
        assert f"{ratio:.2f}" == row["ratio"], f"{row['what']}: the doc says {row['ratio']}, it is {ratio:.2f}"


def _hue(hex_colour: str) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in parse_hex(hex_colour)))[0]


async def test_theme_accents_are_darkened_until_they_read_and_keep_their_hue(served: str, browser) -> None:  # noqa: ANN001
    schemes = {theme.theme: list(theme.colour_scheme) for theme in THEMES}
    async with open_page(browser, served) as (page, problems):
        await page.goto(served + "/")
        derived = await page.evaluate("""async (schemes) => {
            const { themeAccent } = await import('/static/js/colours.js');
            const out = {};
            for (const [theme, scheme] of Object.entries(schemes)) out[theme] = themeAccent(scheme);
            out['(already dark)'] = themeAccent(['#1e3a8a']);
            out['(empty)'] = themeAccent([]);
            out['(not a colour)'] = themeAccent(['red', '#12345']);
            return out;
        }""", schemes)
        assert problems.errors == [], problems.errors

    assert derived.pop("(empty)") is None and derived.pop("(not a colour)") is None
    assert derived.pop("(already dark)")["accent"] == "#1e3a8a"  # readable already: left as the theme has it
    documented = {row["theme"]: row for row in _THEME_ROW.finditer(DOC.read_text(encoding="utf-8"))}
    assert set(documented) == set(schemes)
    for theme, tokens in derived.items():
        accent, dark, soft = (parse_hex(tokens[key]) for key in ("accent", "accentDark", "accentSoft"))
        for background in (WHITE, PAPER, soft):
            assert contrast_ratio(accent, background) >= 4.5, (theme, tokens, background)
            assert contrast_ratio(dark, background) > contrast_ratio(accent, background), (theme, tokens)
        if tokens["accent"] not in (c.lower() for c in schemes[theme]):  # darkened: still one of the theme's hues
            hue = _hue(tokens["accent"])
            assert min(min(abs(hue - _hue(c)), 1 - abs(hue - _hue(c))) for c in schemes[theme]) < 0.02, (theme, tokens)
        row = documented[theme]
        assert row["accent"] == tokens["accent"], f"{theme}: the doc says {row['accent']}, the page uses {tokens}"
        assert row["ratio"] == f"{contrast_ratio(WHITE, accent):.2f}"


@pytest.mark.parametrize("scheme", [["#FFE5E5", "#FFC4C4", "#FFD4D4"], ["#FFFFFF", "#FFD700", "#FFC0CB"]])
def test_pastel_schemes_have_no_colour_that_white_text_can_sit_on(scheme: list[str]) -> None:
    """Why the page has to derive an accent: family's and wedding's own colours all fail AA with white text."""
    assert max(contrast_ratio(WHITE, parse_hex(colour)) for colour in scheme) < 4.5
