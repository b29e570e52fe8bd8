"""Expiry, cancellation, regeneration and a worker restart, through the API against the real stack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from db.models import GeneratedCalendarVariant, UploadedFile
from imaging.providers.base import StartedCallback, SynthesisRequest, SynthesisResult
from imaging.providers.local import LocalProvider
from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.stack import Stack, build_stack


class SlowLocalProvider(LocalProvider):
    """The local stylizer plus a fixed delay, so a test can act while generation is under way."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls: list[str] = []

    async def generate(self, request: SynthesisRequest, on_started: StartedCallback | None = None) -> SynthesisResult:
        self.calls.append(request.tag)
        await asyncio.sleep(self.delay)
        return await super().generate(request, on_started)


async def _variant_objects(stack: Stack) -> list[str]:
    return [k for k in await stack.deps.storage.list_keys("users") if "/variants/" in k]


async def _count(stack: Stack, model: type, *conditions: object) -> int:
    async with stack.deps.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*conditions))).one()


@pytest.fixture
async def short_window(tmp_path: Path, dev_server: WorkflowEnvironment) -> AsyncIterator[Stack]:
    async for built in build_stack(tmp_path, dev_server, selection_timeout=timedelta(seconds=3), max_regenerations=1,
                                   preview_variant_count=12):
        yield built


async def test_without_a_selection_the_job_expires_and_every_variant_is_deleted(short_window: Stack) -> None:
    api = short_window.api
    async with short_window.worker():
        headers, started = await start_generation(api, preview=True)
        await wait_for_status(api, headers, started["job_id"], "ready_for_selection")
        assert len(await _variant_objects(short_window)) == 36  # image, thumbnail, WebP thumbnail
        seen = await wait_for_status(api, headers, started["job_id"], "expired", seconds=30)
    assert seen[-1]["variants"] == [] and "Expired" in seen[-1]["current_step"]
    assert await _variant_objects(short_window) == []
    assert await _count(short_window, GeneratedCalendarVariant) == 0
    assert await _count(short_window, UploadedFile, UploadedFile.kind == "photo") == 3  # the photos stay
    late = await api.post(f"/api/calendars/generate/{started['job_id']}/select", headers=headers,
                          json={"selections": pick_twelve([{"id": 1, "status": "ready"}])})
    assert late.status_code == 409 and late.json()["code"] == "generation_finished"
    assert late.json()["params"]["status"] == "expired"


async def test_regenerate_replaces_the_image_and_respects_the_limit(short_window: Stack) -> None:
    api = short_window.api
    async with short_window.worker():
        headers, started = await start_generation(api, preview=True)
        job = started["job_id"]
        variants = (await wait_for_status(api, headers, job, "ready_for_selection"))[-1]["variants"]
        target = variants[4]
        response = await api.post(f"/api/calendars/generate/{job}/variants/{target['id']}/regenerate",
                                  headers=headers, json={"custom_prompt": "on a snowy mountain"})
        assert response.status_code == 202
        async with asyncio.timeout(20):
            while True:
                current = (await api.get(f"/api/calendars/generate/{job}/variants", headers=headers)).json()
                replaced = next(v for v in current if v["id"] == target["id"])
                if "-a1." in replaced["image_url"]:
                    break
                await asyncio.sleep(0.2)
        over = await api.post(f"/api/calendars/generate/{job}/variants/{target['id']}/regenerate",
                              headers=headers, json={})
        assert over.status_code == 409 and over.json()["code"] == "regeneration_budget_spent"
        # The replaced image is gone, not kept beside: its objects are deleted right after the row points at the
        # new attempt (the row first), so the count may lag the answer above by a moment.
        async with asyncio.timeout(10):
            while len(await _variant_objects(short_window)) != 36:  # 12 variants: image, thumbnail, WebP thumbnail
                await asyncio.sleep(0.1)
        await api.post(f"/api/calendars/generate/{job}/select", headers=headers,
                       json={"selections": pick_twelve(current)})
        await wait_for_status(api, headers, job, "completed")


async def test_cancel_stops_the_generation_and_cleans_up(short_window: Stack) -> None:
    api = short_window.api
    async with short_window.worker():
        headers, started = await start_generation(api)
        job = started["job_id"]
        await wait_for_status(api, headers, job, "generating")
        response = await api.delete(f"/api/calendars/generate/{job}", headers=headers)
        assert response.status_code == 202
        await wait_for_status(api, headers, job, "cancelled", seconds=30)
        again = await api.delete(f"/api/calendars/generate/{job}", headers=headers)
        assert again.status_code == 409
    assert await _variant_objects(short_window) == []
    assert await _count(short_window, GeneratedCalendarVariant) == 0


async def test_a_worker_restart_mid_generation_loses_no_variant_and_makes_none_twice(
        tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    provider = SlowLocalProvider(delay=0.4)
    async for stack in build_stack(tmp_path, dev_server, image_provider=provider):
        api = stack.api
        async with stack.worker():
            headers, started = await start_generation(api)
            job = started["job_id"]
            async with asyncio.timeout(60):
                while (await api.get(f"/api/calendars/generate/{job}/status",
                                     headers=headers)).json()["generated_variants_count"] < 6:
                    await asyncio.sleep(0.1)
        # the worker is gone (its in-flight syntheses were interrupted); a new one takes over
        async with stack.worker():
            status = (await wait_for_status(api, headers, job, "ready_for_selection"))[-1]
        numbers = [v["variant_number"] for v in status["variants"]]
        assert sorted(numbers) == list(range(1, 25))
        assert len(await _variant_objects(stack)) == 72
        assert await _count(stack, GeneratedCalendarVariant) == 24
        assert await _count(stack, UploadedFile, UploadedFile.kind == "variant") == 24
        # only the syntheses cut off by the restart ran again
        assert 24 <= len(provider.calls) <= 24 + 4
