"""A client generated from the OpenAPI document — the usual way API clients are built — drives the whole journey.

openapi-python-client (a kept generator nobody here wrote) turns the document into a Python package in tmp_path;
the test then registers, uploads, generates, follows the status and selects with that package alone, against the
real stack (Temporal, the workers, storage) in-process, and reads expected errors by their `code`, parsed by the
generated `Problem` model. A document that lies about a body or a status breaks this test.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from testkit.api import photo_bytes
from testkit.outbox import take_link_token
from testkit.stack import Stack

PACKAGE = "calendary_client"


@pytest.fixture
def generated(tmp_path: Path, stack: Stack) -> Iterator[ModuleType]:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(stack.api.app.openapi()))  # type: ignore[attr-defined]
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run([str(generator), "generate", "--path", str(document), "--meta", "none",
                           "--output-path", str(tmp_path / PACKAGE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _transport(stack: Stack) -> dict[str, Any]:
    return {"transport": httpx.ASGITransport(app=stack.api.app)}  # type: ignore[attr-defined]


async def _wait_for(client: Any, job_id: int, stage: str, seconds: float = 120) -> Any:
    status_of = _module("api.generations.generation_status")
    async with asyncio.timeout(seconds):
        while True:
            status = await status_of.asyncio(job_id, client=client)
            assert status.status.value not in {"failed", "expired", "cancelled"} - {stage}, status
            if status.status.value == stage:
                return status
            await asyncio.sleep(0.2)


async def test_a_generated_client_makes_a_calendar_and_reads_errors_by_code(generated: ModuleType,
                                                                             stack: Stack) -> None:
    models, types = _module("models"), _module("types")
    base = {"base_url": str(stack.api.base_url), "httpx_args": _transport(stack)}
    anonymous = generated.Client(**base)

    register, verify = _module("api.auth.register"), _module("api.auth.verify_email")
    accepted = await register.asyncio_detailed(client=anonymous, body=models.Credentials(email="gen@example.com",
                                                                                        password="long enough pw"))
    assert accepted.status_code == 202 and isinstance(accepted.parsed, models.Accepted)
    forged = await verify.asyncio_detailed(client=anonymous, body=models.EmailVerification(token="not.a.token"))
    assert forged.status_code == 422 and forged.parsed.code == "verification_token_invalid"
    link = take_link_token(stack.settings.outbox_dir, "gen@example.com", "verify")
    token = await verify.asyncio(client=anonymous, body=models.EmailVerification(token=link))
    client = generated.AuthenticatedClient(token=token.access_token, **base)

    files = [types.File(payload=io.BytesIO(photo_bytes(1024, 768, seed=i)), file_name=f"photo{i}.jpg",
                        mime_type="image/jpeg") for i in range(3)]
    photos = await _module("api.photos.upload_photos").asyncio(client=client,
                                                              body=models.BodyUploadPhotos(files=files))
    assert [p.width for p in photos] == [1024] * 3

    templates = await _module("api.templates.list_templates").asyncio(client=client)
    template = next(t for t in templates if t.theme == "vintage")
    start = _module("api.generations.start_generation")
    unknown = await start.asyncio_detailed(client=client, body=models.GenerateCalendarRequest(
        template_id=template.id, photo_ids=[photos[0].id, 999_999]))
    assert unknown.status_code == 422 and unknown.parsed.code == "photos_unknown"
    assert unknown.parsed.params["photo_ids"] == "999999"

    async with stack.worker():
        started = await start.asyncio(client=client, body=models.GenerateCalendarRequest(
            template_id=template.id, photo_ids=[p.id for p in photos], year=2027))
        assert started.status == models.Stage.PENDING
        status = await _wait_for(client, started.job_id, "ready_for_selection")
        ready = [v for v in status.variants if v.status == models.VariantStatus.READY]

        select = _module("api.generations.select_variants")
        one = models.SelectCalendarVariantsRequest(selections=[models.MonthSelection(variant_id=ready[0].id,
                                                                                     month_number=1)])
        too_few = await select.asyncio_detailed(started.job_id, client=client, body=one)
        assert too_few.status_code == 422 and too_few.parsed.code == "selection_wrong_count"

        chosen = [models.MonthSelection(variant_id=v.id, month_number=month) for month, v in enumerate(ready[:12], 1)]
        answer = await select.asyncio_detailed(started.job_id, client=client,
                                               body=models.SelectCalendarVariantsRequest(selections=chosen))
        assert answer.status_code in (200, 202), answer.content
        done = await _wait_for(client, started.job_id, "completed")

    calendar = await _module("api.calendars.get_calendar").asyncio(done.generated_calendar_id, client=client)
    assert [m.variant_id for m in calendar.months] == [c.variant_id for c in chosen]
    missing = await _module("api.generations.generation_status").asyncio_detailed(987654, client=client)
    assert missing.status_code == 404 and missing.parsed.code == "not_found"
