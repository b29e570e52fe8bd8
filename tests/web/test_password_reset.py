"""A forgotten password on the page: ask for the link from the sign-in screen, open the e-mailed link (the outbox
folder on the embedded default), set a new password — signed in at once, the old password no longer works."""

from __future__ import annotations

import re

import httpx
import pytest

from settings import Settings
from testkit.api import register
from testkit.outbox import outbox, wait_for_link_token
from tests.web.conftest import expect, open_page

pytestmark = pytest.mark.e2e


async def _reset_link(settings: Settings) -> str:
    """The link of the one e-mail the request sent (written after the answer: waited for)."""
    token = await wait_for_link_token(settings.outbox_dir, "olena@example.com", "reset")
    assert outbox(settings.outbox_dir) == []  # no other e-mail
    assert re.fullmatch(r"[A-Za-z0-9._~-]+", token), token
    return f"#/reset/{token}"


async def test_a_forgotten_password_is_reset_from_the_emailed_link(
        served: str, database: Settings, browser) -> None:  # noqa: ANN001
    async with httpx.AsyncClient(base_url=served) as api:
        await register(api, "olena@example.com", "an old password", outbox=database.outbox_dir)
    async with open_page(browser, served) as (page, problems):
        await page.goto(f"{served}/#/login")
        await page.click("#forgot-password")
        await expect(page).to_have_url(re.compile(r"#/forgot$"))
        await page.fill("#forgot-email", "olena@example.com")
        await page.click("#forgot-submit")
        await expect(page.locator(".alert-info")).to_contain_text("olena@example.com")
        link = await _reset_link(database)

        await page.goto(f"{served}/{link}")
        await page.fill("#reset-password", "a brand new password")
        await page.fill("#reset-password-again", "a different one")
        await page.click("#reset-submit")
        await expect(page.locator(".alert-error")).to_have_text("Паролі не збігаються.")
        await page.fill("#reset-password-again", "a brand new password")
        await page.click("#reset-submit")
        await expect(page).to_have_url(re.compile(r"#/jobs$"))  # signed in with the new password

        # The link works once.
        await page.evaluate("localStorage.clear()")
        await page.goto(f"{served}/{link}")
        await page.fill("#reset-password", "yet another password")
        await page.fill("#reset-password-again", "yet another password")
        await page.click("#reset-submit")
        await expect(page.locator(".alert-error")).to_contain_text("недійсне")
        await expect(page.locator("#reset-ask-again")).to_be_visible()
        assert problems.errors == [] and problems.foreign == []
    async with httpx.AsyncClient(base_url=served) as api:
        old = await api.post("/api/auth/login", json={"email": "olena@example.com", "password": "an old password"})
        new = await api.post("/api/auth/login", json={"email": "olena@example.com",
                                                      "password": "a brand new password"})
    assert (old.status_code, new.status_code) == (401, 200)
