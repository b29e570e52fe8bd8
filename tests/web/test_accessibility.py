"""WCAG 2.2 AA in Chromium: axe-core audits every state the journey passes through, in Ukrainian and English, at a
desktop (1440×900) and a phone (390×844) size; and the month board is driven by the keyboard alone, its screen
reader announcements checked.

Four browser contexts (one per language × size) walk the journey side by side and share the work that is slow:
one account, one generation (held mid-way by the provider so its progress can be audited), one calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from imaging.assets import sample_photo
from testkit.api import photo_bytes
from tests.web.a11y import Audit, axe_script
from tests.web.conftest import WebStack, confirm_sign_up, expect, open_page, web_stack

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "maria@example.com", "correct horse battery"
TIMEOUT = 60_000  # ms, for the steps that wait on the workflow
HELD_AFTER = 2  # variants generated before the provider holds the rest: the progress state has something to show
NOT_FOUND_JOB = 987654

# What the page says, (Ukrainian, English): the announcements are the screen reader's words, checked as they are.
TEXT = {
    "landing": ("Настінний календар із ваших фото", "A wall calendar from your own photos"),
    "sign_in": ("Вхід", "Sign in"),
    "upload": ("Завантажте фото", "Upload your photos"),
    "theme": ("Оберіть тему", "Choose a theme"),
    "not_found": ("не знайдено", "not found"),
    "months": (["Січень", "Лютий", "Березень", "Квітень"], ["January", "February", "March", "April"]),
    "slot": ("{month}: варіант №{n}", "{month}: variant #{n}"),
    "chosen": ("{n} з 12 обрано", "{n} of 12 chosen"),
    "picked": ("Варіант №{n} обрано. Тепер оберіть місяць.", "Variant #{n} picked. Now choose a month."),
    "assigned": ("Варіант №{n} — {month}. Обрано {count} з 12.", "Variant #{n} — {month}. {count} of 12 chosen."),
    "cancelled": ("Вибір скасовано.", "Choice cancelled."),
    "picked_month": ("{month} обрано. Тепер оберіть варіант або інший місяць для обміну.",
                     "{month} picked. Now choose a variant, or another month to swap with."),
    "swapped": ("{a} і {b} помінялися місцями.", "{a} and {b} swapped."),
}
LANGS = ("uk", "en")
PHOTOS = [
    {"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": sample_photo()},
    {"name": "beach.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1024, 768, seed=1)},
    {"name": "mountains.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1200, 900, seed=2)},
    {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo at all"},
]


@dataclass
class View:
    lang: str
    width: int
    height: int
    page: object = None

    @property
    def name(self) -> str:
        return f"{self.lang} {self.width}×{self.height}"

    @property
    def text(self) -> dict:
        return {key: texts[LANGS.index(self.lang)] for key, texts in TEXT.items()}


VIEWS = [View("uk", 1440, 900), View("en", 390, 844), View("en", 1440, 900), View("uk", 390, 844)]


@pytest.fixture
async def web(tmp_path: Path, dev_server) -> WebStack:  # noqa: ANN001
    async with web_stack(tmp_path, dev_server) as built:
        built.provider.train_seconds, built.provider.variant_seconds = 0.3, 0.3
        yield built


async def test_every_state_meets_wcag_aa_in_both_languages_and_sizes(web: WebStack, browser) -> None:  # noqa: ANN001
    audit = Audit(axe_script())
    async with web.stack.worker(), open_page(browser, web.url, width=VIEWS[0].width, height=VIEWS[0].height,
                                             bypass_csp=True, reduced_motion="reduce") as (first, problems):
        # One browser context per view; the first one's problems are tracked like every other page test's.
        VIEWS[0].page = first
        contexts = []
        for view in VIEWS[1:]:
            context = await browser.new_context(viewport={"width": view.width, "height": view.height},
                                                locale="uk-UA", bypass_csp=True, reduced_motion="reduce")
            contexts.append(context)
            view.page = await context.new_page()
        try:
            await _walk(web, audit)
        finally:
            for context in contexts:
                await context.close()
        assert problems.errors == [], problems.errors
    assert len(audit.states) >= 14 * len(VIEWS), audit.states
    if audit.failures:
        pytest.fail(audit.report(), pytrace=False)


async def _walk(web: WebStack, audit: Audit) -> None:
    url = web.url
    # --- sign in (with its error), sign up; the first view creates the account, the others sign in ------------
    for index, view in enumerate(VIEWS):
        page = view.page
        await page.goto(url + "/")
        if view.lang == "en":
            await page.click(".lang-button[lang=en]")
        await expect(page.locator("h1")).to_have_text(view.text["landing"])
        await expect(page.locator(".landing-theme")).to_have_count(10)
        await audit.check(page, f"{view.name}: landing")
        await page.click("#landing-signin")
        await expect(page.locator("h1")).to_have_text(view.text["sign_in"])
        await audit.check(page, f"{view.name}: sign-in")
        await page.fill("#auth-email", EMAIL)
        await page.fill("#auth-password", "a wrong password")
        await page.click("form.auth-form button[type=submit]")
        await expect(page.locator(".auth-form .alert-error")).to_be_visible()
        await audit.check(page, f"{view.name}: sign-in error")
        await page.click(".auth-switch .link-button")
        await expect(page.locator("#password-hint")).to_be_visible()
        await audit.check(page, f"{view.name}: sign-up")
        if index > 0:
            await page.click(".auth-switch .link-button")
        await page.fill("#auth-password", PASSWORD)
        await page.click("form.auth-form button[type=submit]")
        if index == 0:
            await expect(page.locator("#auth-notice")).to_be_visible()
            await audit.check(page, f"{view.name}: check your e-mail")
            await confirm_sign_up(page, url, web.stack.settings.outbox_dir, EMAIL)
        await expect(page).to_have_url(re.compile(r"#/(new|jobs)$"))
        if index > 0:
            await expect(page.locator(".empty-state")).to_be_visible()
            await audit.check(page, f"{view.name}: my calendars, empty")

    # --- upload with photos (one with warnings, one rejected), then the themes -------------------------------------
    for view in VIEWS:
        page = view.page
        await page.goto(url + "/#/new")
        await expect(page.locator("h1")).to_have_text(view.text["upload"])
        await page.set_input_files("#photo-input", PHOTOS)
        await expect(page.locator(".photo-tile")).to_have_count(4)
        await expect(page.locator(".photo-tile.is-uploading")).to_have_count(0, timeout=TIMEOUT)
        await audit.check(page, f"{view.name}: upload with photos")
        await page.click("#to-theme")
        await expect(page.locator("h1")).to_have_text(view.text["theme"])
        await page.click('.theme-card[data-theme="family"]')  # pastel pinks: the accent must be derived
        await page.click("label.switch")
        await expect(page.locator("#summary-price")).to_be_visible()
        await audit.check(page, f"{view.name}: themes, one chosen")

    # --- one generation for all, held mid-way so its progress can be audited --------------------------------------
    web.provider.hold_after(HELD_AFTER)
    await VIEWS[0].page.click("#start-generation")
    await expect(VIEWS[0].page).to_have_url(re.compile(r"#/job/\d+$"))
    job_id = int(VIEWS[0].page.url.rsplit("/", 1)[1])
    try:
        for view in VIEWS:
            page = view.page
            await page.goto(f"{url}/#/job/{job_id}")
            await expect(page.locator('.variant-card[data-status="ready"]')).to_have_count(HELD_AFTER, timeout=TIMEOUT)
            await expect(page.locator("#step-text")).to_have_attribute("data-status", "generating")
            await audit.check(page, f"{view.name}: generation progress")
    finally:
        web.provider.release()

    # --- the gallery: months assigned (two views by keyboard alone), a dialog, all twelve --------------------------
    for view in VIEWS:
        page = view.page
        await expect(page.locator("#step-text")).to_have_attribute("data-status", "ready_for_selection",
                                                                   timeout=TIMEOUT)
        if (view.width, view.lang) in {(1440, "uk"), (390, "en")}:
            await _choose_months_by_keyboard(page, view)
        else:
            await page.click('.variant-card[data-number="1"] .variant-pick')
            await page.click('.month-slot[data-month="1"]')
            await page.click('.variant-card[data-number="2"] .variant-pick')
        await audit.check(page, f"{view.name}: gallery, months assigned")
        await page.locator('.variant-card[data-number="3"]').hover()
        await page.click('.variant-card[data-number="3"] button.regenerate')
        await expect(page.locator("#custom-prompt")).to_be_focused()
        await audit.check(page, f"{view.name}: regenerate dialog")
        await page.keyboard.press("Escape")
        # Live updates (scores, recommendations) re-render the board: click once it is ready for it.
        await expect(page.locator("#autofill")).to_be_enabled()
        await page.click("#autofill")
        await expect(page.locator("#create-calendar")).to_be_enabled(timeout=10_000)
        await audit.check(page, f"{view.name}: gallery, twelve months chosen")

    # --- the finished calendar: pages, the edit form with a personal date, a zoomed page ---------------------------
    await VIEWS[0].page.click("#create-calendar")
    await expect(VIEWS[0].page).to_have_url(re.compile(r"#/calendar/\d+$"), timeout=TIMEOUT)
    calendar_id = int(VIEWS[0].page.url.rsplit("/", 1)[1])
    for view in VIEWS:
        page = view.page
        await page.goto(f"{url}/#/calendar/{calendar_id}")
        await expect(page.locator("#page-0")).to_be_visible(timeout=TIMEOUT)
        await page.click("#add-date")
        await audit.check(page, f"{view.name}: finished calendar with its edit form")
        await page.click("#page-3")
        await expect(page.locator("#viewer-stage img")).to_be_visible()
        await page.keyboard.press("+")  # zoomed in: the tools and the stage as a person meets them
        await audit.check(page, f"{view.name}: a calendar page zoomed")
        await page.keyboard.press("Escape")

    # --- my calendars, and an error told in words -----------------------------------------------------------------
    for view in VIEWS:
        page = view.page
        await page.goto(f"{url}/#/jobs")
        await expect(page.locator(f'.job-row[data-job-id="{job_id}"]')).to_be_visible()
        await audit.check(page, f"{view.name}: my calendars")
        await page.goto(f"{url}/#/job/{NOT_FOUND_JOB}")
        await expect(page.locator(".error-panel .alert-error")).to_contain_text(view.text["not_found"])
        await audit.check(page, f"{view.name}: error, generation not found")


async def _choose_months_by_keyboard(page, view: View) -> None:  # noqa: ANN001
    """Tab into the gallery, then Enter on a variant, Enter on a month — no mouse; every step is announced."""
    text, months = view.text, view.text["months"]
    announcer = page.locator("#announcer")
    await page.locator("body").focus()
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.classList.contains('variant-pick')"):
            break
    else:
        pytest.fail("Tab never reached a variant")
    first = int(await page.evaluate("document.activeElement.closest('.variant-card').dataset.number"))
    await page.keyboard.press("Enter")
    await expect(announcer).to_have_text(text["picked"].format(n=first))
    await expect(page.locator('.month-slot[data-month="1"]')).to_be_focused()  # the first empty month
    await page.keyboard.press("Enter")
    await expect(announcer).to_have_text(text["assigned"].format(n=first, month=months[0], count=1))
    await expect(page.locator('.month-slot[data-month="1"]')).to_have_attribute(
        "aria-label", text["slot"].format(month=months[0], n=first))

    # Back on the variant just placed: the arrow key moves to the next one, whose month is chosen by arrows too.
    await expect(page.locator(f'.variant-card[data-number="{first}"] .variant-pick')).to_be_focused()
    await page.keyboard.press("ArrowRight")
    second = int(await page.evaluate("document.activeElement.closest('.variant-card').dataset.number"))
    assert second != first
    await page.keyboard.press("Enter")
    await expect(page.locator('.month-slot[data-month="2"]')).to_be_focused()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator('.month-slot[data-month="4"]')).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(announcer).to_have_text(text["assigned"].format(n=second, month=months[3], count=2))

    # Esc cancels a pick and leaves the focus on the board; Enter on a month, arrows, Enter on another swaps them.
    await expect(page.locator(f'.variant-card[data-number="{second}"] .variant-pick')).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator('.month-slot[data-month="2"]')).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(announcer).to_have_text(text["cancelled"])
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("Enter")
    await expect(announcer).to_have_text(text["picked_month"].format(month=months[0]))
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    await expect(page.locator('.month-slot[data-month="4"]')).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(announcer).to_have_text(text["swapped"].format(a=months[0], b=months[3]))
    await expect(page.locator('.month-slot[data-month="1"]')).to_have_attribute(
        "aria-label", text["slot"].format(month=months[0], n=second))
    await expect(page.locator('.month-slot[data-month="4"]')).to_have_attribute(
        "aria-label", text["slot"].format(month=months[3], n=first))
    await expect(page.locator("#chosen-count")).to_have_text(text["chosen"].format(n=2))
