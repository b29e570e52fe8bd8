"""Bytes and requests the web page loads for a customer's journey, on a first visit and on reload (docs/media.md).

A generation runs through the real workflow, worker (local provider) and API (filesystem storage, /media links).
Headless Chromium, signed in, then opens the journey's views as the customer meets them — the uploaded photos, the
themes, the generations list, the gallery of 24 variants while choosing, the finished calendar (the cover and 12
page previews) — each once in the journey's browser context (first visit: an empty cache) and reloaded right after
(the same link window). Every view is scrolled to the end, so lazily loaded images load too.

Printed per view and in total: requests (everything the document loaded), how many reached the server (the rest
came from the browser's cache without asking), kilobytes transferred, and of those the images'.

    .venv/bin/python bench/media_bytes.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page

from testkit.api import served_over_http
from testkit.browser import launched_chromium
from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.stack import Stack, build_stack
from testkit.temporal import start_dev_server

# Resource Timing of the current document: transferSize is 0 for an answer the browser's cache gave without asking
# the server (a 304 costs its headers); the signed links are same-origin here, so their sizes are visible.
LOADED = """() => {
    const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
    const images = entries.filter((e) => e.initiatorType === 'img');
    const sum = (list) => list.reduce((total, e) => total + e.transferSize, 0);
    return { requests: entries.length, network: entries.filter((e) => e.transferSize > 0).length,
             bytes: sum(entries), images: images.length, image_bytes: sum(images) };
}"""
IMAGES_LOADED = "() => [...document.images].every((img) => img.complete && img.naturalWidth > 0)"
SCROLL_TO_END = """async () => {
    for (let y = 0; y <= document.body.scrollHeight; y += window.innerHeight / 2) {
        window.scrollTo(0, y);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}"""


@dataclass
class Load:
    requests: int
    network: int
    bytes: int
    images: int
    image_bytes: int


async def _settled(page: Page, ready: str, min_images: int) -> Load:
    await page.locator(ready).first.wait_for(state="attached", timeout=60_000)
    await page.wait_for_function(f"() => document.images.length >= {min_images}", timeout=60_000)
    await page.evaluate(SCROLL_TO_END)
    await page.wait_for_function(IMAGES_LOADED, timeout=60_000)
    await page.wait_for_timeout(300)  # the last Resource Timing entries land after the load events
    return Load(**await page.evaluate(LOADED))


async def _journey(stack: Stack) -> tuple[dict[str, str], int, dict[str, Any]]:
    """A generation ready for choosing: the headers, its id, and the sign-in answer the page keeps."""
    headers, started = await start_generation(stack.api)
    await wait_for_status(stack.api, headers, started["job_id"], "ready_for_selection", seconds=600)
    signed_in = (await stack.api.post("/api/auth/login", json={"email": "olena@example.com",
                                                                "password": "correct horse battery"})).json()
    return headers, started["job_id"], signed_in


async def _finish(stack: Stack, headers: dict[str, str], job_id: int) -> int:
    variants = (await stack.api.get(f"/api/calendars/generate/{job_id}/variants", headers=headers)).json()
    answer = await stack.api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                                  json={"selections": pick_twelve(variants)})
    assert answer.status_code in {200, 202}, answer.text
    await wait_for_status(stack.api, headers, job_id, "completed", seconds=600)
    status = (await stack.api.get(f"/api/calendars/generate/{job_id}/status", headers=headers)).json()
    calendar_id: int = status["generated_calendar_id"]
    async with asyncio.timeout(120):
        while not (await stack.api.get(f"/api/calendars/{calendar_id}", headers=headers)).json()["preview_urls"]:
            await asyncio.sleep(0.5)
    return calendar_id


async def _visit(context: BrowserContext, url: str, ready: str, min_images: int) -> tuple[Load, Load]:
    page = await context.new_page()
    try:
        await page.goto(url)
        first = await _settled(page, ready, min_images)
        await page.reload()
        return first, await _settled(page, ready, min_images)
    finally:
        await page.close()


def _row(name: str, load: Load) -> str:
    return (f"{name:<26} {load.requests:>8} {load.network:>8} {load.bytes / 1e3:>10.1f} {load.images:>7} "
            f"{load.image_bytes / 1e3:>10.1f}")


def _total(loads: list[Load]) -> Load:
    return Load(*(sum(getattr(load, name) for load in loads) for name in Load.__dataclass_fields__))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    env = await start_dev_server()
    try:
        with tempfile.TemporaryDirectory() as folder:
            async for stack in build_stack(Path(folder), env):
                app = stack.api.app  # type: ignore[attr-defined]
                async with stack.worker(), served_over_http(app) as url, launched_chromium() as browser:
                    headers, job_id, signed_in = await _journey(stack)
                    context = await browser.new_context(locale="uk-UA", viewport={"width": 1360, "height": 900})
                    photos = (await stack.api.get("/api/photos", headers=headers)).json()
                    # Signed in, with the journey's photos in the draft (the upload step and the theme step show
                    # them), as the page keeps it in localStorage.
                    draft = {"owner": signed_in["user"]["id"], "photoIds": [p["id"] for p in photos]}
                    stored = {"calendary.token": signed_in["access_token"],
                              "calendary.user": json.dumps(signed_in["user"]), "calendary.draft": json.dumps(draft)}
                    await context.add_init_script("".join(
                        f"localStorage.setItem({json.dumps(key)}, {json.dumps(value)});"
                        for key, value in stored.items()))
                    views = {
                        f"photos ({len(photos)})": await _visit(context, f"{url}/#/new", ".photo-tile img",
                                                                len(photos)),
                        "themes (10)": await _visit(context, f"{url}/#/theme", ".theme-card img", 10),
                        "generations list": await _visit(context, f"{url}/#/jobs", "main h1", 0),
                        "gallery (24 variants)": await _visit(context, f"{url}/#/job/{job_id}", ".variant-card img",
                                                              24)}
                    calendar_id = await _finish(stack, headers, job_id)
                    views["calendar (cover + 12)"] = await _visit(context, f"{url}/#/calendar/{calendar_id}",
                                                                  "#page-0", 13)
                    await context.close()
    finally:
        await env.shutdown()
    header = f"{'view':<26} {'requests':>8} {'network':>8} {'kB':>10} {'images':>7} {'image kB':>10}"
    for label, index in (("first visit", 0), ("reload", 1)):
        print(label)
        print(header)
        for name, loads in views.items():
            print(_row(name, loads[index]))
        print(_row("journey total", _total([loads[index] for loads in views.values()])))
        print()


if __name__ == "__main__":
    asyncio.run(main())
