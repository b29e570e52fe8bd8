"""Signing up on the page: "check your e-mail" (the answer is the same for a taken e-mail), the e-mailed link
confirms and signs in, and a used or broken link says what to do instead."""

from __future__ import annotations

import asyncio
import re

import pytest

from settings import Settings
from testkit.outbox import link_token, outbox, wait_for_link_token
from tests.web.conftest import confirm_sign_up, expect, open_page

pytestmark = pytest.mark.e2e


async def test_sign_up_confirm_by_the_emailed_link_and_sign_in(served: str, database: Settings,
                                                               browser) -> None:  # noqa: ANN001
    async with open_page(browser, served) as (page, problems):
        await page.goto(f"{served}/#/signup")
        await page.fill("#auth-email", "olena@example.com")
        await page.fill("#auth-password", "correct horse battery")
        await page.click("form.auth-form button[type=submit]")
        await expect(page.locator("#auth-notice")).to_contain_text("Перевірте пошту")
        await expect(page.locator("#auth-notice")).to_contain_text("olena@example.com")
        await expect(page.locator("h1")).to_have_text("Вхід")  # what comes after the link

        # Not confirmed yet: signing in answers as a wrong password does, and says why it may be.
        await page.fill("#auth-password", "correct horse battery")
        await page.click("form.auth-form button[type=submit]")
        await expect(page.locator(".auth-form .alert-error")).to_contain_text("пошту ще не підтверджено")

        token = await wait_for_link_token(database.outbox_dir, "olena@example.com", "verify")
        await page.goto(f"{served}/#/verify/{token}")
        await expect(page).to_have_url(re.compile(r"#/new$"))

        # The link works once; the page says what to do and offers the way to sign in.
        await page.evaluate("localStorage.clear()")
        await page.goto(f"{served}/#/verify/{token}")
        await expect(page.locator(".alert-error")).to_contain_text("Посилання для підтвердження недійсне")
        await page.click("#verify-sign-in")
        await page.fill("#auth-email", "olena@example.com")
        await page.fill("#auth-password", "correct horse battery")
        await page.click("form.auth-form button[type=submit]")
        await expect(page).to_have_url(re.compile(r"#/jobs$"))
        assert problems.errors == [] and problems.foreign == []


async def _sign_up(page, url: str, email: str, password: str) -> None:  # noqa: ANN001
    await page.goto(f"{url}/#/signup")
    await page.fill("#auth-email", email)
    await page.fill("#auth-password", password)
    await page.click("form.auth-form button[type=submit]")


async def test_signing_up_with_a_taken_email_looks_the_same(served: str, database: Settings,
                                                            browser) -> None:  # noqa: ANN001
    async with open_page(browser, served) as (page, problems):
        await _sign_up(page, served, "taras@example.com", "the owner's password")
        await confirm_sign_up(page, served, database.outbox_dir, "taras@example.com")
        await page.evaluate("localStorage.clear()")

        await _sign_up(page, served, "taras@example.com", "someone else's password")
        await expect(page.locator("#auth-notice")).to_contain_text("Перевірте пошту")
        await expect(page.locator(".auth-form .alert-error")).to_be_hidden()
        # The owner is told instead, with the way to a new password; nothing to confirm.
        async with asyncio.timeout(30):
            while not (notices := [m for _, m in outbox(database.outbox_dir) if m["To"] == "taras@example.com"]):
                await asyncio.sleep(0.1)
        [notice] = notices
        assert link_token(notice, "verify") is None
        assert "/#/forgot" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert problems.errors == []
