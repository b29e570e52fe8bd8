"""The whole journey in headless Chromium, as a customer walks it: sign up, upload (file picker and drag & drop),
choose a theme, watch the live progress through a dropped connection, pick 12 variants (drag, click, keyboard),
regenerate one, create the calendar, edit it and download the PDF. A screenshot of every step lands in
var/screenshots/.
"""

from __future__ import annotations

import base64
import io
import math
import re
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from imaging.assets import sample_photo
from testkit.api import photo_bytes
from tests.web.conftest import WebStack, confirm_sign_up, expect, open_page, web_stack

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "olena@example.com", "correct horse battery"
NEXT_YEAR = datetime.now().year + 1  # the page's default calendar year
TIMEOUT = 60_000  # ms, for the steps that wait on the workflow


@pytest.fixture
async def web(tmp_path: Path, dev_server) -> WebStack:  # noqa: ANN001
    async with web_stack(tmp_path, dev_server) as built:
        # The first live connection is cut mid-generation, the next one is refused: the page must reconnect,
        # fall back to polling meanwhile, and still show every variant.
        built.faults.cut = {1}
        built.faults.refuse = {2}
        yield built


async def _shot(page, screenshots: Path, name: str, *, full_page: bool = True) -> None:  # noqa: ANN001
    if full_page:
        await page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page shot
    await page.wait_for_timeout(250)  # let transitions settle
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=full_page)


async def _drop_file(page, name: str, data: bytes) -> None:  # noqa: ANN001
    """What a drag of a file from the desktop delivers: a drop event whose DataTransfer holds the file."""
    await page.evaluate("""([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'image/jpeg' }));
        const zone = document.getElementById('dropzone');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", [name, base64.b64encode(data).decode()])


async def _shown_as_webp_with_jpeg_fallback(page, img) -> None:  # noqa: ANN001
    """The image is `<picture><source type="image/webp" srcset=…><img src=jpeg></picture>` (docs/media.md), and
    Chromium, which takes WebP, loaded the WebP copy."""
    await img.scroll_into_view_if_needed()
    await page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=await img.element_handle(),
                                 timeout=TIMEOUT)
    shown = await img.evaluate("""(img) => {
        const source = img.parentElement.tagName === 'PICTURE' ? img.parentElement.querySelector('source') : null;
        return { type: source && source.type, srcset: source && source.srcset, src: img.getAttribute('src'),
                 current: img.currentSrc, first: img.parentElement.firstElementChild === source };
    }""")
    assert shown["type"] == "image/webp" and shown["first"], shown
    assert re.match(r"^/media/\S+\.webp\?", shown["srcset"]) and re.match(r"^/media/\S+\.jpg\?", shown["src"]), shown
    assert shown["current"].endswith(shown["srcset"]), shown


async def test_the_whole_journey_in_chromium(web: WebStack, browser, screenshots: Path) -> None:  # noqa: ANN001
    async with web.stack.worker(), open_page(browser, web.url) as (page, problems):
        # --- 1. sign up / sign in ----------------------------------------------------------------------------
        started = await page.goto(web.url + "/")
        assert started.headers["cache-control"] == "no-cache"
        # A visitor first meets what the product makes: a sample calendar, the themes and their prices.
        await expect(page.locator("h1")).to_have_text("Настінний календар із ваших фото")
        for sample in ("#sample-page-0", "#sample-page-3"):
            assert await page.locator(sample).evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        await expect(page.locator(".landing-theme")).to_have_count(10)
        await expect(page.locator('.landing-theme[data-theme="vintage"]')).to_contain_text("849 ₴")
        await expect(page.locator("#landing-signup")).to_have_class(re.compile(r"\bprimary\b"))
        await _shot(page, screenshots, "00-landing")
        await page.click("#landing-signin")
        await expect(page.locator("h1")).to_have_text("Вхід")
        await page.fill("#auth-email", EMAIL)
        await page.fill("#auth-password", PASSWORD)
        await page.click("form.auth-form button[type=submit]")
        await expect(page.locator(".auth-form .alert-error")).to_contain_text(
            "Неправильна пошта або пароль, або пошту ще не підтверджено")
        await _shot(page, screenshots, "01-sign-in-error")
        await page.click("text=Зареєструйтеся")
        await expect(page.locator("h1")).to_have_text("Створіть обліковий запис")
        await page.click("form.auth-form button[type=submit]")
        await expect(page.locator("#auth-notice")).to_contain_text("Перевірте пошту")
        await _shot(page, screenshots, "01-check-email")
        await confirm_sign_up(page, web.url, web.stack.settings.outbox_dir, EMAIL)

        # --- 2. upload: file picker (several at once), drag & drop, warnings, a rejected file, remove ---------
        await expect(page.locator("h1")).to_have_text("Завантажте фото")
        await expect(page.locator(".tip")).to_contain_text("Найкраще працює 10–20 фото")
        await page.set_input_files("#photo-input", [
            {"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": sample_photo()},
            {"name": "beach.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1024, 768, seed=1)},
            {"name": "mountains.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1200, 900, seed=2)},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo at all"},
        ])
        await _drop_file(page, "dropped.jpg", photo_bytes(900, 900, seed=3))
        tiles = page.locator(".photo-tile")
        await expect(tiles).to_have_count(5)
        await expect(page.locator(".photo-tile.is-uploading")).to_have_count(0, timeout=TIMEOUT)
        rejected = page.locator('.photo-tile[data-name="notes.txt"]')
        await expect(rejected.locator(".photo-error")).to_contain_text("notes.txt: це не зображення")
        await expect(page.locator('.photo-tile[data-name="portrait.jpg"] .photo-ok')).to_have_text("Добре підходить")
        await expect(page.locator('.photo-tile[data-name="beach.jpg"] .photo-warnings')).to_contain_text(
            "Обличчя не знайдено")
        await expect(page.locator('.photo-tile[data-name="dropped.jpg"] img')).to_have_attribute(
            "src", re.compile(r"^/media/"))
        await _shown_as_webp_with_jpeg_fallback(page, page.locator('.photo-tile[data-name="dropped.jpg"] img'))
        await expect(page.locator("#photo-count")).to_contain_text("4 фото")
        await _shot(page, screenshots, "02-upload")
        await page.click('.photo-tile[data-name="notes.txt"] .remove-photo')
        await page.click('.photo-tile[data-name="dropped.jpg"] .remove-photo')
        # Deleting a stored photo asks first, naming what happens.
        await expect(page.locator("dialog")).to_contain_text("Фото буде видалено з вашого облікового запису")
        await page.click("dialog button[type=submit]")
        await expect(tiles).to_have_count(3)
        await expect(page.locator("#photo-count")).to_contain_text("3 фото")
        photos = (await web.stack.api.get("/api/photos", headers=await _headers(page))).json()
        assert sorted(p["original_name"] for p in photos) == ["beach.jpg", "mountains.jpg", "portrait.jpg"]
        await page.click("#to-theme")

        # --- 3. theme: 10 themes with preview, description, price; preview mode; price and ETA -------------
        await expect(page.locator("h1")).to_have_text("Оберіть тему")
        cards = page.locator(".theme-card")
        await expect(cards).to_have_count(10)
        await expect(page.locator(".theme-card img")).to_have_count(10)
        await _shown_as_webp_with_jpeg_fallback(page, page.locator(".theme-card img").first)
        vintage = page.locator('.theme-card[data-theme="vintage"]')
        await expect(vintage).to_contain_text("Вінтаж")
        await expect(vintage).to_contain_text("849 ₴")
        await vintage.click()
        await expect(page.locator("#summary-price")).to_have_text("24 унікальні варіанти за 849 ₴")
        # The time is the server's quote (services/eta.py), nothing the page made up.
        await expect(page.locator("#summary-eta")).to_have_text(await _quoted(web, page, preview=False))
        await page.click("label.switch")
        await expect(page.locator("#summary-price")).to_have_text("6 унікальних варіантів за 220 ₴")
        await expect(page.locator("#summary-eta")).to_have_text(await _quoted(web, page, preview=True))
        await page.click("label.switch")
        await page.click(".lang-button[lang=en]")
        await expect(page.locator("h1")).to_have_text("Choose a theme")
        await expect(page.locator("#summary-price")).to_have_text("24 unique variants for 849 ₴")
        await _shot(page, screenshots, "03-theme-en")
        await page.click(".lang-button[lang=uk]")
        await expect(page.locator("h1")).to_have_text("Оберіть тему")
        await _shot(page, screenshots, "03-theme")
        await page.click("#start-generation")

        # --- 4. live progress: bar, step, ETA; the stream drops and is refused, the page carries on --------
        await expect(page).to_have_url(re.compile(r"#/job/\d+$"))
        job_id = int(page.url.rsplit("/", 1)[1])
        step = page.locator("#step-text")
        await expect(step).to_have_text(re.compile(r"Крок 3 з 5 · Генерація: \d+ з 24 варіантів готово… \d+%"),
                                        timeout=TIMEOUT)
        await expect(page.locator(".step-current")).to_contain_text("Генерація")  # one vocabulary: bar and text
        await expect(page.locator("#eta")).to_contain_text("Залишилось")
        await expect(page.locator(".variant-card:not(.placeholder)").first).to_be_visible(timeout=TIMEOUT)
        await _shot(page, screenshots, "04-progress")
        await expect(step).to_have_text(re.compile("Крок 4 з 5 · Вибір 12: усі 24 варіанти готові"), timeout=TIMEOUT)
        await expect(page.locator(".step-current")).to_contain_text("Вибір 12")
        await expect(page.locator(".progress")).to_have_attribute("aria-valuenow", "100")  # the bar reaches 100 %
        await expect(page.locator("#cancel-job")).to_be_hidden()  # one click would delete what is being chosen
        await expect(page.locator(".variant-card:not(.placeholder)")).to_have_count(24)
        await expect(page.locator(".variant-card.placeholder")).to_have_count(0)
        await expect(page.locator("#expiry")).to_contain_text("Ваші варіанти зберігаються до")
        await expect(page.locator("#live-state")).to_have_text("Наживо", timeout=TIMEOUT)
        modes = [entry["mode"] for entry in await page.evaluate("window.calendaryLive")]
        assert "reconnecting" in modes and modes[-1] == "live", modes
        assert re.fullmatch(r"1: cut after \d+ variants", web.faults.log[0]), web.faults.log
        assert web.faults.log[1] == "2: refused", web.faults.log
        assert web.faults.connections >= 3

        # The customer leaves and comes back: the job is listed and opens where it was.
        await page.click("a.nav-link[href='#/jobs']")
        row = page.locator(f'.job-row[data-job-id="{job_id}"]')
        await expect(row).to_contain_text("Чекає на ваш вибір")
        await expect(row).to_contain_text("Ваші варіанти зберігаються до")
        await _shot(page, screenshots, "05-jobs")
        await row.locator("a.button").click()
        await expect(page.locator(".variant-card:not(.placeholder)")).to_have_count(24)

        # --- 5. gallery: the recommended 12 first, each with its month and why (docs/scoring.md) -------------
        variants = (await web.stack.api.get(f"/api/calendars/generate/{job_id}/variants",
                                            headers=await _headers(page))).json()
        suggested = {v["suggested_month"]: v for v in variants if v["recommended"]}
        assert sorted(suggested) == list(range(1, 13))
        first = page.locator(".variant-card").first
        await expect(first).to_have_attribute("data-number", str(suggested[1]["variant_number"]), timeout=TIMEOUT)
        await expect(first.locator(".badge.recommended")).to_be_visible()
        await expect(first.locator(".variant-why")).to_contain_text("Пропонуємо на Січень")

        # Regenerate one variant with a custom prompt and watch it be replaced.
        card = page.locator('.variant-card[data-number="7"]')
        before = await card.locator("img").get_attribute("src")
        await card.hover()
        await card.locator("button.regenerate").click()
        await page.fill("#custom-prompt", "на тлі осіннього лісу")
        await _shot(page, screenshots, "06-regenerate-dialog", full_page=False)
        await page.click("dialog button[type=submit]")
        await expect(card).to_have_class(re.compile("is-regenerating"))
        await expect(card).not_to_have_class(re.compile("is-regenerating"), timeout=TIMEOUT)
        after = await card.locator("img").get_attribute("src")
        assert after.split("?")[0] != before.split("?")[0]
        await _shown_as_webp_with_jpeg_fallback(page, card.locator("img"))  # the new attempt's copy, too

        # Choose 12: drag, click-to-assign, keyboard, then "fill the rest".
        count = page.locator("#chosen-count")
        await expect(count).to_have_text("0 з 12 обрано")
        await page.locator('.variant-card[data-number="24"] .variant-pick').drag_to(
            page.locator('.month-slot[data-month="1"]'))
        await expect(page.locator('.month-slot[data-month="1"]')).to_have_attribute("aria-label", "Січень: варіант №24")
        await page.click('.variant-card[data-number="5"] .variant-pick')
        await page.click('.month-slot[data-month="2"]')
        await page.focus('.variant-card[data-number="6"] .variant-pick')
        await page.keyboard.press("Enter")
        await page.focus('.month-slot[data-month="3"]')
        await page.keyboard.press("Enter")
        await expect(count).to_have_text("3 з 12 обрано")
        await expect(page.locator('.variant-card[data-number="6"] .month-chip')).to_have_text("Березень")
        # dragging a chosen variant onto another month moves it (one variant, one month)
        await page.locator('.variant-card[data-number="5"] .variant-pick').drag_to(
            page.locator('.month-slot[data-month="4"]'))
        await expect(page.locator('.month-slot[data-month="2"]')).to_have_attribute("aria-label", "Лютий: порожньо")
        await expect(count).to_have_text("3 з 12 обрано")
        # dragging a month onto another swaps them
        await page.locator('.month-slot[data-month="1"]').drag_to(page.locator('.month-slot[data-month="2"]'))
        await expect(page.locator('.month-slot[data-month="2"]')).to_have_attribute("aria-label", "Лютий: варіант №24")
        await expect(page.locator('.month-slot[data-month="1"]')).to_have_attribute("aria-label", "Січень: порожньо")
        await _shot(page, screenshots, "07-gallery-choosing")
        await page.click("#autofill")
        await expect(count).to_have_text("12 з 12 обрано")
        await expect(page.locator("#create-calendar")).to_be_enabled()
        await _shot(page, screenshots, "08-gallery-chosen")
        chosen = await page.evaluate(f"JSON.parse(localStorage.getItem('calendary.selection.{job_id}'))")
        # "fill the rest" put each recommended variant (as recommended after the regeneration) into its suggested
        # month, where both were still free
        variants = (await web.stack.api.get(f"/api/calendars/generate/{job_id}/variants",
                                            headers=await _headers(page))).json()
        by_hand = {chosen[str(month)] for month in (2, 3, 4)}
        for variant in variants:
            month = variant["suggested_month"]
            if variant["recommended"] and month not in (2, 3, 4) and variant["id"] not in by_hand:
                assert chosen[str(month)] == variant["id"], (month, chosen)
        await page.click("#create-calendar")

        # --- 6. preview: rendered pages, edits, swap, PDF ------------------------------------------------------
        await expect(page).to_have_url(re.compile(r"#/calendar/\d+$"), timeout=TIMEOUT)
        calendar_id = int(page.url.rsplit("/", 1)[1])
        await expect(page.locator("#page-0")).to_be_visible(timeout=TIMEOUT)
        await expect(page.locator(".page-grid img")).to_have_count(12)
        for shown in (page.locator("#page-0"), page.locator("#page-12")):
            await _shown_as_webp_with_jpeg_fallback(page, shown)
        await expect(page.locator("#calendar-title")).to_have_text(f"Вінтаж {NEXT_YEAR}")
        await expect(page.locator("#pages-note")).to_contain_text("збільшено класичним способом")
        await _shot(page, screenshots, "09-preview")
        # The real preview: each page at full resolution, zoom and pan, previous/next — all by keyboard too.
        await page.click("#page-3")
        title, stage = page.locator("#viewer-title"), page.locator("#viewer-stage")
        await expect(title).to_have_text("Березень — сторінка 4 з 13")
        await expect(stage).to_be_focused()
        image = stage.locator("img")
        assert await image.evaluate("img => img.decode().then(() => img.naturalWidth)") >= 1000
        # The offline variants (1024 px) are too small for 300 DPI: upscaled, and the page says how.
        await expect(page.locator("#viewer-quality")).to_contain_text(re.compile(
            r"фото мало \d+ DPI і збільшене до 30\d DPI \(потрібно 300\) класичним способом"))
        await page.keyboard.press("+")
        await page.keyboard.press("+")
        await expect(image).to_have_attribute("data-zoom", "2")
        assert await stage.evaluate("s => s.scrollHeight > 1.5 * s.clientHeight")  # bigger than the screen
        before = await stage.evaluate("s => s.scrollTop")
        await page.keyboard.press("ArrowDown")  # zoomed in, the arrows pan
        await page.keyboard.press("ArrowRight")
        await expect(title).to_have_text("Березень — сторінка 4 з 13")
        # The browser's own keyboard scrolling is animated: wait for it to move (it never does if the arrows don't pan).
        await page.wait_for_function("before => document.getElementById('viewer-stage').scrollTop > before",
                                     arg=before, timeout=5000)
        await _shot(page, screenshots, "09-preview-page-zoom", full_page=False)
        await page.keyboard.press("0")
        await page.keyboard.press("PageDown")
        await expect(title).to_have_text("Квітень — сторінка 5 з 13")
        await page.keyboard.press("ArrowLeft")  # fitted, the arrows turn pages
        await page.keyboard.press("ArrowLeft")
        await expect(title).to_have_text("Лютий — сторінка 3 з 13")
        await page.click("#viewer-next")
        await expect(title).to_have_text("Березень — сторінка 4 з 13")
        await page.keyboard.press("Escape")
        await expect(page.locator("dialog")).to_be_hidden()
        calendar = (await web.stack.api.get(f"/api/calendars/{calendar_id}", headers=await _headers(page))).json()
        assert {str(m["month"]): m["variant_id"] for m in calendar["months"]} == chosen

        await page.fill("#edit-title", f"Наш {NEXT_YEAR}")
        await page.click("#add-date")
        await page.fill(".date-row .date-input", f"{NEXT_YEAR}-03-08")
        await page.fill(".date-row .label-input", "День народження мами")
        await page.click("#save-calendar")
        await expect(page.locator("#calendar-title")).to_have_text(f"Наш {NEXT_YEAR}", timeout=TIMEOUT)
        await page.select_option("#swap-a", "1")
        await page.select_option("#swap-b", "2")
        await page.click("#swap-months")
        await expect(page.locator("#toast")).to_contain_text("Календар оновлено", timeout=TIMEOUT)
        await expect(page.locator("#swap-months")).to_be_enabled(timeout=TIMEOUT)
        edited = (await web.stack.api.get(f"/api/calendars/{calendar_id}", headers=await _headers(page))).json()
        assert edited["title"] == f"Наш {NEXT_YEAR}"
        assert edited["options"]["personal_dates"] == [{"date": f"{NEXT_YEAR}-03-08", "label": "День народження мами"}]
        assert edited["months"][0]["variant_id"] == calendar["months"][1]["variant_id"]
        # The worker renders the edits; the page says so and asks again until they are drawn.
        await expect(page.locator("#render-status")).to_be_hidden(timeout=TIMEOUT)
        await expect(page.locator("#page-0")).to_be_visible(timeout=TIMEOUT)
        await _shot(page, screenshots, "10-preview-edited")

        async with page.expect_download() as download_info:
            await page.click("#download-pdf")
        download = await download_info.value
        assert download.suggested_filename.endswith(f"{NEXT_YEAR}.pdf")
        pdf = Path(await download.path()).read_bytes()
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "День народження мами" in text and f"Наш {NEXT_YEAR}" in text

        # --- 7. the customer rates the calendar (the seed's satisfaction figure) ------------------------------
        await page.click("#rating-submit")
        await expect(page.locator("#rating-form .alert")).to_have_text("Оберіть від 1 до 5 зірок.")
        await page.check("#rating-5")
        await page.fill("#rating-comment", "Чудовий подарунок")
        await page.click("#rating-submit")
        await expect(page.locator("#rating-status")).to_contain_text("Ваша оцінка: 5 з 5", timeout=TIMEOUT)
        rating = (await web.stack.api.get(f"/api/calendars/{calendar_id}/rating", headers=await _headers(page))).json()
        assert (rating["stars"], rating["comment"]) == (5, "Чудовий подарунок")

        await page.click("a.nav-link[href='#/jobs']")
        row = page.locator(f'.job-row[data-job-id="{job_id}"]')
        await expect(row).to_contain_text("Готово")
        # Each calendar by its title and year, its cover and its status.
        await expect(row.locator(".job-row-title")).to_have_text(f"Наш {NEXT_YEAR}")
        await expect(row.locator("img.job-cover")).to_have_attribute("src", re.compile(r"page-00\.thumb\.jpg"))
        await row.locator("img.job-cover").scroll_into_view_if_needed()
        assert await row.locator("img.job-cover").evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        await _shot(page, screenshots, "11-my-calendars")

        assert problems.errors == [], problems.errors
        assert problems.foreign == [], problems.foreign


async def _quoted(web: WebStack, page, *, preview: bool) -> str:  # noqa: ANN001
    """The ETA line the page must show for the server's quote of the drafted generation (Ukrainian)."""
    draft = await page.evaluate("JSON.parse(localStorage.getItem('calendary.draft'))")
    quote = (await web.stack.api.post("/api/calendars/quote", headers=await _headers(page), json={
        "template_id": draft["templateId"], "photo_ids": draft["photoIds"], "preview": preview})).json()
    seconds = quote["eta_seconds"]
    assert seconds < 60 and quote["model"] == "train"  # the offline provider: seconds, the photos never trained on
    return (f"Варіанти будуть готові за ≈ {max(5, math.ceil(seconds / 5) * 5)} с, спершу модель навчиться на "
            "ваших фото — можна закрити сторінку й повернутися пізніше")


async def _headers(page) -> dict[str, str]:  # noqa: ANN001
    token = await page.evaluate("localStorage.getItem('calendary.token')")
    return {"Authorization": f"Bearer {token}"}
