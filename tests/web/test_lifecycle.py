"""The page when things go wrong or run out: errors in words, the network going away, variants that expire."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from testkit.journey import start_generation
from tests.web.conftest import TIMEZONE, WebStack, expect, open_page, sign_in_as, web_stack

pytestmark = pytest.mark.e2e

SELECTION_TIMEOUT = timedelta(seconds=15)


@pytest.fixture
async def short_web(tmp_path: Path, dev_server) -> WebStack:  # noqa: ANN001
    async with web_stack(tmp_path, dev_server, selection_timeout=SELECTION_TIMEOUT) as built:
        built.provider.train_seconds, built.provider.variant_seconds = 0.3, 0.3
        yield built


async def test_errors_offline_and_expiry(short_web: WebStack, browser, screenshots: Path) -> None:  # noqa: ANN001
    url = short_web.url
    headers, started = await start_generation(short_web.stack.api, preview=True, theme="family")
    job_id = started["job_id"]
    photo_ids = [p["id"] for p in (await short_web.stack.api.get("/api/photos", headers=headers)).json()]
    async with short_web.stack.worker(), open_page(browser, url) as (page, problems):
        await sign_in_as(page, url, headers)

        # Errors are told in words, never a blank page.
        await page.goto(f"{url}/#/job/987654")
        await expect(page.locator(".error-panel .alert-error")).to_have_text("Генерацію 987654 не знайдено.")
        await page.screenshot(path=str(screenshots / "11-error-in-words.png"))
        await page.goto(f"{url}/#/calendar/987654")
        await expect(page.locator(".error-panel .alert-error")).to_have_text("Календар 987654 не знайдено.")

        # A preview generation: 6 variants; the page says how long they are kept.
        await page.goto(f"{url}/#/job/{job_id}")
        step = page.locator("#step-text")
        await expect(step).to_have_text(re.compile("Крок 4 з 5"), timeout=60_000)
        await expect(page.locator(".variant-card:not(.placeholder)")).to_have_count(6)
        await expect(page.locator("#expiry")).to_contain_text("Ваші варіанти зберігаються до")
        status = (await short_web.stack.api.get(f"/api/calendars/generate/{job_id}/status", headers=headers)).json()
        expires = datetime.fromisoformat(status["expires_at"])
        local = (expires if expires.tzinfo else expires.replace(tzinfo=UTC)).astimezone(ZoneInfo(TIMEZONE))
        await expect(page.locator("#expiry")).to_contain_text(local.strftime("%H:%M"))
        await expect(page.locator(".board-hint")).to_contain_text("один варіант може бути в кількох місяцях")
        await expect(page.locator("#live-state")).to_have_text("Наживо")

        # The network goes away and comes back: the page says so, then goes live again by itself.
        await page.context.set_offline(True)
        await expect(page.locator("#live-state")).to_have_text(
            re.compile("Зʼєднання перервалося|Немає зʼєднання"), timeout=10_000)
        await page.screenshot(path=str(screenshots / "12-offline.png"))
        await page.context.set_offline(False)
        await expect(page.locator("#live-state")).to_have_text("Наживо", timeout=15_000)

        # Nobody chooses in time: the variants expire and the page says what happened and what to do.
        message = page.locator("#job-message")
        await expect(message).to_contain_text("Час на вибір минув", timeout=60_000)
        await expect(message.locator("a.button")).to_have_text("Почати заново")
        await expect(page.locator("#live-state")).to_be_hidden()
        await page.screenshot(path=str(screenshots / "13-expired.png"), full_page=True)
        await page.click("a.nav-link[href='#/jobs']")
        await expect(page.locator(f'.job-row[data-job-id="{job_id}"]')).to_contain_text("Термін минув")

        # Cancelling asks first, then says what happened.
        started_again = await short_web.stack.api.post("/api/calendars/generate", headers=headers, json={
            "template_id": status["template_id"], "photo_ids": photo_ids, "preview": False})
        second = started_again.json()["job_id"]
        await page.goto(f"{url}/#/job/{second}")
        await page.click("#cancel-job")
        await expect(page.locator("#cancel-explain")).to_contain_text(re.compile(
            r"Генерацію буде зупинено, а вже створен\S+ \d+ варіант\S* — видалено\. Ваші фото залишаться\."))
        await page.click("dialog button[type=submit]")
        await expect(page.locator("#job-message")).to_contain_text("Генерацію скасовано", timeout=60_000)
        await expect(page.locator("#cancel-job")).to_be_hidden()

        # A token the server no longer accepts: back to sign-in, with the reason.
        await page.evaluate("localStorage.setItem('calendary.token', 'expired-token')")
        await page.reload()
        await expect(page.locator(".auth-box .alert-info")).to_contain_text("Сеанс завершився")
        assert problems.errors == [], problems.errors
        assert problems.foreign == [], problems.foreign
