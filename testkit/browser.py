"""Debian's Chromium driven by Playwright (scripts/ensure_chromium.sh installs it; Playwright's own browser download
is not used)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = os.environ.get("CALENDARY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@asynccontextmanager
async def launched_chromium(executable: str = CHROMIUM) -> AsyncIterator[Browser]:
    # Imported here: the tests report a missing playwright package as a skip (or a failure in CI), not an error.
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
