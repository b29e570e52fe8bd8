"""Steps of the customer's journey through the HTTP API, shared by the end-to-end tests and the benches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from testkit.api import register, upload_photos


async def start_generation(api: httpx.AsyncClient, *, preview: bool = False, theme: str = "vintage",
                           email: str = "olena@example.com", outbox: Path | None = None,
                           **options: str) -> tuple[dict[str, str], dict]:
    """Register (`outbox`: see `register`), upload three photos and start; `options` are more request fields
    (title, locale)."""
    headers = await register(api, email=email, outbox=outbox)
    photos = await upload_photos(api, headers, count=3)
    templates = (await api.get("/api/templates", headers=headers)).json()
    template = next(t for t in templates if t["theme"] == theme)
    response = await api.post("/api/calendars/generate", headers=headers, json={
        "template_id": template["id"], "photo_ids": [p["id"] for p in photos], "preview": preview, "year": 2027,
        **options})
    assert response.status_code == 202, response.text
    return headers, response.json()


async def wait_for_status(api: httpx.AsyncClient, headers: dict[str, str], job_id: int, wanted: str,
                          seconds: float = 120) -> list[dict]:
    """Poll the status URL until `wanted`; returns every distinct status body seen on the way."""
    seen: list[dict] = []
    async with asyncio.timeout(seconds):
        while True:
            body = (await api.get(f"/api/calendars/generate/{job_id}/status", headers=headers)).json()
            if not seen or (body["status"], body["generated_variants_count"]) != \
                    (seen[-1]["status"], seen[-1]["generated_variants_count"]):
                seen.append(body)
            if body["status"] == wanted:
                return seen
            assert body["status"] not in {"failed", "expired", "cancelled"} - {wanted}, body
            await asyncio.sleep(0.2)


def pick_twelve(variants: list[dict]) -> list[dict]:
    ready = [v for v in variants if v["status"] == "ready"]
    return [{"variant_id": ready[i % len(ready)]["id"], "month_number": i + 1} for i in range(12)]


async def edit_calendar(api: httpx.AsyncClient, headers: dict[str, str], calendar_id: int, changes: dict,
                        seconds: float = 60) -> httpx.Response:
    """PATCH an edit on the calendar's current version (its ETag), then wait until the worker has rendered it;
    answers the PATCH's response (a refused edit at once). Needs a running worker."""
    current = await api.get(f"/api/calendars/{calendar_id}", headers=headers)
    edited = await api.patch(f"/api/calendars/{calendar_id}", json=changes,
                             headers={**headers, "If-Match": current.headers["etag"]})
    if edited.status_code == 202:
        await wait_for_render(api, headers, calendar_id, seconds)
    return edited


async def wait_for_render(api: httpx.AsyncClient, headers: dict[str, str], calendar_id: int,
                          seconds: float = 60) -> dict:
    """Poll the calendar until its status is no longer `rendering`; returns it."""
    async with asyncio.timeout(seconds):
        while (body := (await api.get(f"/api/calendars/{calendar_id}", headers=headers)).json())["status"] == \
                "rendering":
            await asyncio.sleep(0.2)
    return body
