"""The whole journey through the HTTP API against the Temporal dev server, the real worker and storage."""

from __future__ import annotations

import asyncio
import io

from PIL import Image
from sqlmodel import select

from db.models import GeneratedCalendarVariant, UploadedFile
from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.stack import Stack


async def _variant_objects(stack: Stack) -> list[str]:
    return [k for k in await stack.deps.storage.list_keys("users") if "/variants/" in k]


async def test_register_upload_generate_select_and_receive_the_calendar(stack: Stack) -> None:
    api = stack.api
    async with stack.worker():
        headers, started = await start_generation(api)
        assert started["workflow_id"] == f"{stack.settings.workflow_id_prefix}-{started['job_id']}"
        job_id = started["job_id"]
        seen = await wait_for_status(api, headers, job_id, "ready_for_selection")
        progress = [s["progress"] for s in seen]
        assert progress == sorted(progress) and "generating" in {s["status"] for s in seen}
        status = seen[-1]
        assert status["generated_variants_count"] == 24 and status["expires_at"]
        variants = (await api.get(f"/api/calendars/generate/{job_id}/variants", headers=headers)).json()
        assert sorted(v["variant_number"] for v in variants) == list(range(1, 25))
        image = await api.get(variants[0]["image_url"])
        assert Image.open(io.BytesIO(image.content)).size[0] == 1024
        assert len(await _variant_objects(stack)) == 72  # image, thumbnail and its WebP copy each

        chosen = pick_twelve(variants)
        answer = await api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                                json={"selections": chosen})
        assert answer.status_code in (200, 202), answer.text
        await wait_for_status(api, headers, job_id, "completed")

        again = await api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                               json={"selections": chosen})
        assert again.status_code == 409 and again.json()["code"] == "generation_finished"

    # an operator finds the run in Temporal UI by its search attributes
    query = 'CalendarStatus="completed" AND CalendarTheme="vintage" AND CalendarProgress=100'
    async with asyncio.timeout(10):  # visibility is eventually consistent
        while started["workflow_id"] not in [w.id async for w in stack.env.client.list_workflows(query)]:
            await asyncio.sleep(0.2)

    status = (await api.get(f"/api/calendars/generate/{job_id}/status", headers=headers)).json()
    calendar = (await api.get(f"/api/calendars/{status['generated_calendar_id']}", headers=headers)).json()
    assert [m["month"] for m in calendar["months"]] == list(range(1, 13))
    assert [m["variant_id"] for m in calendar["months"]] == [c["variant_id"] for c in chosen]
    assert calendar["pdf_url"] and len(calendar["page_urls"]) == 13
    # the 12 unselected variants are gone: objects and rows
    assert len(await _variant_objects(stack)) == 36
    async with stack.deps.sessions() as session:
        rows = (await session.exec(select(GeneratedCalendarVariant))).all()
        assert sorted(r.id for r in rows) == sorted(c["variant_id"] for c in chosen)
        variant_files = (await session.exec(select(UploadedFile).where(UploadedFile.kind == "variant"))).all()
        assert len(variant_files) == 12


async def test_status_answers_from_the_database_while_no_worker_runs(stack: Stack) -> None:
    headers, started = await start_generation(stack.api)
    await asyncio.sleep(0.5)
    status = await stack.api.get(f"/api/calendars/generate/{started['job_id']}/status", headers=headers)
    assert status.status_code == 200 and status.json()["status"] == "pending"


async def test_another_users_generation_is_404(stack: Stack) -> None:
    from testkit.api import register

    _, started = await start_generation(stack.api)
    intruder = await register(stack.api, "intruder@example.com")
    job = started["job_id"]
    for method, path, body in [
        ("GET", f"/api/calendars/generate/{job}/status", None),
        ("GET", f"/api/calendars/generate/{job}/variants", None),
        ("POST", f"/api/calendars/generate/{job}/select", {"selections": []}),
        ("POST", f"/api/calendars/generate/{job}/variants/1/regenerate", {}),
        ("DELETE", f"/api/calendars/generate/{job}", None),
    ]:
        response = await stack.api.request(method, path, headers=intruder, json=body)
        assert response.status_code == 404, (method, path, response.text)
