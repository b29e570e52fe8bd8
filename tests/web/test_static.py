"""The page's own files: served with sensible caching, self-contained (no CDN), small, split by feature, localized
in both languages; and the API's own docs served offline beside it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from api.routers.web import SWAGGER_UI, WEB_DIR
from tests.web.conftest import expect, open_page

OWN_FILES = [p for p in WEB_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts]
JS_FILES = [p for p in OWN_FILES if p.suffix == ".js"]
MAX_JS_LINES = 400
MAX_OWN_BYTES = 250_000
LOADED_BYTES = """() => performance.getEntriesByType('resource')
    .reduce((sum, r) => sum + r.encodedBodySize, performance.getEntriesByType('navigation')[0].encodedBodySize)"""


async def test_the_page_is_served_at_the_root(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert '<script type="module" src="/static/js/app.js">' in page.text


async def test_static_files_revalidate_cheaply_and_stay_inside_their_folder(app_client: httpx.AsyncClient) -> None:
    script = await app_client.get("/static/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "no-cache" and script.headers["etag"]
    again = await app_client.get("/static/js/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    vendored = await app_client.get(f"{SWAGGER_UI}/swagger-ui.css")
    assert vendored.status_code == 200 and vendored.headers["cache-control"] == "public, max-age=86400"
    for path in ["/static/nope.js", "/static/../settings.py", "/static/%2e%2e/settings.py", "/static/..%2fmanage.py"]:
        response = await app_client.get(path)
        assert response.status_code == 404, path
    missing = (await app_client.get("/static/nope.js")).json()
    assert (missing["code"], missing["detail"]) == ("not_found", "no such file: /static/nope.js")


async def test_the_api_docs_load_nothing_from_a_cdn(app_client: httpx.AsyncClient) -> None:
    docs = await app_client.get("/api/docs")
    assert docs.status_code == 200
    assert f"{SWAGGER_UI}/swagger-ui-bundle.js" in docs.text and "cdn." not in docs.text
    assert (await app_client.get(f"{SWAGGER_UI}/swagger-ui-bundle.js")).status_code == 200


def test_no_file_of_the_page_reaches_for_another_host() -> None:
    for path in OWN_FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert not re.search(r"https?://|//cdn|@import", text), f"{path} refers to another host"


def test_scripts_are_small_modules_split_by_feature() -> None:
    assert len(JS_FILES) >= 10
    for path in JS_FILES:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_JS_LINES, f"{path.name} has {lines} lines"
    assert sum(p.stat().st_size for p in OWN_FILES) < MAX_OWN_BYTES


def test_every_module_is_preloaded_so_the_page_loads_in_one_round_trip() -> None:
    index = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    preloaded = set(re.findall(r'rel="modulepreload" href="/static/([^"]+)"', index))
    modules = {str(p.relative_to(WEB_DIR)) for p in JS_FILES}
    assert preloaded == modules


def _keys(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^  '([\w.]+)':", text, re.M)) | set(re.findall(r"^  (\w+):", text, re.M))


def test_both_languages_have_every_text() -> None:
    uk, en = _keys(WEB_DIR / "js/locales/uk.js"), _keys(WEB_DIR / "js/locales/en.js")
    assert uk == en, {"only uk": uk - en, "only en": en - uk}
    used = set()
    for path in JS_FILES:
        used |= set(re.findall(r"\bt\(\s*'([\w.]+)'", path.read_text(encoding="utf-8")))
    assert used - uk == set()


async def test_the_page_loads_offline_in_both_languages(served: str, browser, screenshots: Path) -> None:  # noqa: ANN001
    """How fast it loads is bench/page_load.py's to print; here: what it loads, and that it works."""
    async with open_page(browser, served) as (page, problems):
        await page.goto(served + "/#/login")
        await expect(page.locator("h1")).to_have_text("Вхід")
        loaded = await page.evaluate(LOADED_BYTES)
        assert loaded < MAX_OWN_BYTES, loaded
        await page.click(".lang-button[lang=en]")
        await expect(page.locator("h1")).to_have_text("Sign in")
        await page.reload()  # the choice is remembered
        await expect(page.locator("h1")).to_have_text("Sign in")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await page.screenshot(path=str(screenshots / "00-sign-in-en.png"))

        await page.goto(served + "/api/docs")
        await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Calendary", timeout=15_000)
        await expect(page.locator(".opblock").first).to_be_visible()
        assert await page.locator(".opblock").count() >= 15
        await page.screenshot(path=str(screenshots / "00-api-docs.png"))
        assert problems.errors == [] and problems.foreign == [], problems
