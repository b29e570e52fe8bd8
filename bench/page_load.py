"""How fast the web page's sign-in screen (`/#/login`; `/` is the landing page) appears, in headless Chromium,
from the API on 127.0.0.1.

Each load uses a fresh browser context (an empty cache). Printed per load and as medians: the wall-clock from
navigation to the visible sign-in heading, the browser's own DOMContentLoaded time, and what was transferred;
then the medians' ratios to the targets (3 s to the heading, 1.5 s to DOMContentLoaded; ratio ≤ 1.00 is within
target). The API docs page is timed the same way (to its first operation).

    .venv/bin/python bench/page_load.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from db.migrate import upgrade
from testkit.api import served_api
from testkit.browser import launched_chromium
from testkit.settings import make_settings

TARGET_HEADING_SECONDS = 3.0
TARGET_READY_SECONDS = 1.5
NAVIGATION = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    return { ready: nav.domContentLoadedEventEnd / 1000, files: resources.length + 1,
             bytes: resources.reduce((sum, r) => sum + r.encodedBodySize, nav.encodedBodySize) };
}"""


async def load_once(browser: Browser, url: str, path: str, visible: str, text: str | None) -> dict[str, Any]:
    context = await browser.new_context(locale="uk-UA")
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(url + path)
        if text is None:
            await expect(page.locator(visible).first).to_be_visible(timeout=30_000)
        else:
            await expect(page.locator(visible)).to_have_text(text, timeout=30_000)
        seen = time.perf_counter() - started
        return {"seen": seen, **await page.evaluate(NAVIGATION)}
    finally:
        await context.close()


def report(name: str, loads: list[dict[str, Any]]) -> tuple[float, float]:
    print(f"{name}")
    print(f"{'load':>5} {'visible s':>10} {'DOMContentLoaded s':>19} {'files':>6} {'kB':>7}")
    for number, load in enumerate(loads, 1):
        kilobytes = load["bytes"] / 1e3
        print(f"{number:>5} {load['seen']:>10.3f} {load['ready']:>19.3f} {load['files']:>6} {kilobytes:>7.1f}")
    seen = statistics.median(load["seen"] for load in loads)
    ready = statistics.median(load["ready"] for load in loads)
    print(f"{'median':>6}{seen:>10.3f} {ready:>19.3f}")
    return seen, ready


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="loads per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder))
        await asyncio.to_thread(upgrade, settings.database_url)
        async with served_api(settings) as url, launched_chromium() as browser:
            await load_once(browser, url, "/#/login", "h1", "Вхід")  # warm-up: the server's first answers, disk caches
            page = [await load_once(browser, url, "/#/login", "h1", "Вхід") for _ in range(args.repeat)]
            docs = [await load_once(browser, url, "/api/docs", ".opblock", None) for _ in range(args.repeat)]
    seen, ready = report("the page, sign-in heading visible", page)
    report("the API docs, first operation visible", docs)
    print(f"sign-in heading    ratio to {TARGET_HEADING_SECONDS:.0f} s target:   {seen / TARGET_HEADING_SECONDS:.2f}")
    print(f"DOMContentLoaded   ratio to {TARGET_READY_SECONDS} s target: {ready / TARGET_READY_SECONDS:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
