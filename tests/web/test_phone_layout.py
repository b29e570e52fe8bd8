"""The choosing screen on a phone (390×844) and a desktop (1440×900): variants on the first screen, every month's
full name readable, a months panel that leaves room for the variants, the "tap a variant, then a month" hint in
sight. Screenshots of both land in var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.journey import start_generation, wait_for_status
from tests.web.conftest import WebStack, expect, open_page, sign_in_as, web_stack

pytestmark = pytest.mark.e2e

VIEWPORTS = [(390, 844), (1440, 900)]
MOST_PANEL_SHARE = 0.25  # of the phone's height the sticky months panel may cover


@pytest.fixture
async def web(tmp_path: Path, dev_server) -> WebStack:  # noqa: ANN001
    async with web_stack(tmp_path, dev_server) as built:
        built.provider.train_seconds, built.provider.variant_seconds = 0.05, 0.05
        yield built


async def test_choosing_fits_a_phone_and_a_desktop(web: WebStack, browser, screenshots: Path) -> None:  # noqa: ANN001
    async with web.stack.worker():
        headers, started = await start_generation(web.stack.api, theme="nature")
        job_id = started["job_id"]
        await wait_for_status(web.stack.api, headers, job_id, "ready_for_selection")
    for width, height in VIEWPORTS:
        async with open_page(browser, web.url, width=width, height=height) as (page, problems):
            await sign_in_as(page, web.url, headers)
            for lang in ("uk", "en"):
                await page.goto(f"{web.url}/?lang={lang}#/job/{job_id}")
                await expect(page.locator(".variant-card:not(.placeholder)")).to_have_count(24)
                await page.wait_for_timeout(300)  # images and layout settle
                layout = await page.evaluate(MEASURE)
                await page.screenshot(path=str(screenshots / f"choosing-{lang}-{width}x{height}.png"))

                # Variants on the first screen, above the months panel.
                assert layout["visibleVariants"] >= 2, layout
                # Every month's name whole: not cut, not ellipsized.
                assert layout["cutMonthNames"] == [], layout
                # The hint is on screen, the panel leaves room.
                assert layout["hintVisible"], layout
                if width < 800:
                    assert layout["panelHeight"] <= MOST_PANEL_SHARE * height, layout
                    # The step bar still names the step the customer is on.
                    assert layout["currentStepLabelVisible"], layout
            assert problems.errors == [], problems.errors


# Measured in the page at scroll position 0: what a person sees without scrolling.
MEASURE = """() => {
  const board = document.querySelector('.month-board');
  const boardBox = board.getBoundingClientRect();
  const sticky = getComputedStyle(board).position === 'sticky' && boardBox.top < innerHeight;
  const limit = sticky && boardBox.top > innerHeight / 2 ? boardBox.top : innerHeight;
  const visibleVariants = [...document.querySelectorAll('.variant-card:not(.placeholder)')].filter((card) => {
    const box = card.getBoundingClientRect();
    return box.top >= 0 && box.top + box.height / 2 <= limit && box.height > 40;
  }).length;
  const cutMonthNames = [...document.querySelectorAll('.month-name')]
    .filter((name) => name.scrollWidth > name.clientWidth + 1 || getComputedStyle(name).display === 'none')
    .map((name) => name.textContent);
  const hint = document.querySelector('.board-hint');
  const hintBox = hint ? hint.getBoundingClientRect() : null;
  const label = document.querySelector('.step-current .step-label');
  return {
    visibleVariants, cutMonthNames,
    hintVisible: !!hint && hint.checkVisibility() && hintBox.top >= 0 && hintBox.bottom <= innerHeight,
    panelHeight: Math.min(boardBox.height, innerHeight),
    currentStepLabelVisible: !!label && label.checkVisibility(),
  };
}"""
