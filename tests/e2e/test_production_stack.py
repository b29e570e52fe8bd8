"""The journey on the production backends: PostgreSQL (asyncpg) and S3 storage (moto speaking for MinIO)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.stack import build_stack
from tests.fakes.s3 import MOTO_ACCESS_KEY, MOTO_REGION, MOTO_SECRET_KEY


@pytest.mark.postgres
@pytest.mark.s3
async def test_journey_on_postgres_and_s3(tmp_path: Path, dev_server: WorkflowEnvironment, postgres_url: str,
                                         moto_s3_endpoint: str) -> None:
    bucket = f"calendary-{uuid.uuid4().hex[:10]}"
    async for stack in build_stack(tmp_path, dev_server, database_url=postgres_url, storage_backend="minio",
                                   minio_endpoint=moto_s3_endpoint, minio_access_key=MOTO_ACCESS_KEY,
                                   minio_secret_key=MOTO_SECRET_KEY, minio_bucket=bucket, minio_region=MOTO_REGION,
                                   select_wait_seconds=30):
        api = stack.api
        async with stack.worker():
            headers, started = await start_generation(api, preview=True, theme="wedding")
            job = started["job_id"]
            status = (await wait_for_status(api, headers, job, "ready_for_selection"))[-1]
            image_url = status["variants"][0]["image_url"]
            assert image_url.startswith(f"http://{moto_s3_endpoint}/{bucket}/") and "Signature" in image_url
            async with httpx.AsyncClient() as outside:
                assert (await outside.get(image_url)).headers["content-type"] == "image/jpeg"
            chosen = await api.post(f"/api/calendars/generate/{job}/select", headers=headers,
                                    json={"selections": pick_twelve(status["variants"])})
            assert chosen.status_code == 200, chosen.text  # finished within the wait: the calendar itself
            assert [m["month"] for m in chosen.json()["months"]] == list(range(1, 13))
            status = (await wait_for_status(api, headers, job, "completed"))[-1]
        pdf = await api.get(f"/api/calendars/{status['generated_calendar_id']}/pdf", headers=headers)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        keys = await stack.deps.storage.list_keys("users")
        assert sum("/variants/" in k for k in keys) == 3 * 6  # preview: all 6 chosen, kept (image, thumb, WebP)
        assert any(k.endswith("calendar.pdf") for k in keys)
