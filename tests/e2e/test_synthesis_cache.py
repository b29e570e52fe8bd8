"""Cost optimization (seed): the same photos and theme again are answered from the customer's kept variants."""

from __future__ import annotations

from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from db.models import Job
from testkit.api import register, upload_photos
from testkit.journey import wait_for_status
from testkit.stack import build_stack
from tests.e2e.test_generation_lifecycle import SlowLocalProvider


async def _generate(api: httpx.AsyncClient, headers: dict[str, str], photo_ids: list[int], template_id: int) -> dict:
    started = (await api.post("/api/calendars/generate", headers=headers, json={
        "template_id": template_id, "photo_ids": photo_ids, "preview": True})).json()
    return (await wait_for_status(api, headers, started["job_id"], "ready_for_selection"))[-1]


async def _image(api: httpx.AsyncClient, variant: dict) -> bytes:
    return (await api.get(variant["image_url"])).content


async def test_a_repeat_generation_costs_no_provider_call(tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    provider = SlowLocalProvider(delay=0)
    async for stack in build_stack(tmp_path, dev_server, image_provider=provider):
        api = stack.api
        headers = await register(api)
        photo_ids = [p["id"] for p in await upload_photos(api, headers, count=2)]
        templates = (await api.get("/api/templates", headers=headers)).json()
        vintage, family = (next(t["id"] for t in templates if t["theme"] == theme) for theme in ("vintage", "family"))
        async with stack.worker():
            first = await _generate(api, headers, photo_ids, vintage)
            assert len(provider.calls) == 6
            second = await _generate(api, headers, list(reversed(photo_ids)), vintage)
            assert len(provider.calls) == 6, "the same photo set and theme must not reach the provider again"
            assert [await _image(api, v) for v in first["variants"]] == \
                   [await _image(api, v) for v in second["variants"]]
            async with stack.deps.sessions() as session:  # our cost is internal: read from the job row
                assert (await session.get(Job, second["job_id"])).cost_usd == 0  # type: ignore[union-attr]

            await _generate(api, headers, photo_ids, family)  # another theme is another image
            assert len(provider.calls) == 12

            # once the kept variants are gone (cancelled), the cache has nothing to answer with
            for job in (first, second):
                await api.delete(f"/api/calendars/generate/{job['job_id']}", headers=headers)
                await wait_for_status(api, headers, job["job_id"], "cancelled")
            await _generate(api, headers, photo_ids, vintage)
            assert len(provider.calls) == 18

        other = await register(api, "someone.else@example.com")
        other_photos = [p["id"] for p in await upload_photos(api, other, count=2)]
        async with stack.worker():
            await _generate(api, other, other_photos, vintage)  # the same picture bytes, another customer
        assert len(provider.calls) == 24
