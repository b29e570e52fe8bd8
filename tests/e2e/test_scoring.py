"""Variant scoring on the real stack (local provider, real activities, the scoring queue's process pool): every
variant scored, the recommended 12 in 12 distinct months and intact, and the likeness guard replacing a face-less
variant once, within its budget (docs/scoring.md)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageOps
from temporalio.testing import WorkflowEnvironment

from imaging.assets import sample_photo
from imaging.providers.base import StartedCallback, SynthesisRequest, SynthesisResult
from imaging.providers.local import LocalProvider
from testkit import degrade
from testkit.api import register
from testkit.journey import wait_for_status
from testkit.stack import build_stack

COMPONENTS = {"likeness", "face", "framing", "sharpness", "exposure", "colour", "uniqueness"}


def _blurred_and_dark(image: bytes) -> bytes:
    return degrade.darkened(degrade.blurred(image, sigma=6), factor=0.3)


class DegradingProvider(LocalProvider):
    """The local stylizer, with chosen (variant, attempt)s spoiled the way a bad synthesis would be."""

    def __init__(self, spoil: dict[tuple[int, int], str]) -> None:
        self.spoil = spoil
        self.calls: list[tuple[int, int]] = []

    async def generate(self, request: SynthesisRequest, on_started: StartedCallback | None = None) -> SynthesisResult:
        match = re.search(r"\.v(\d+)\.a(\d+)$", request.tag)
        assert match is not None
        slot = (int(match[1]), int(match[2]))
        self.calls.append(slot)
        result = await super().generate(request, on_started)
        how = self.spoil.get(slot, self.spoil.get((slot[0], -1)))  # -1: every attempt of that variant
        spoilt = {"faceless": degrade.face_cropped_out, "degraded": _blurred_and_dark}.get(how or "")
        return replace(result, image=spoilt(result.image)) if spoilt else result


async def _customer_photos(api: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    """Two real photos of one person: the sample portrait and its mirror image."""
    sample = Image.open(io.BytesIO(sample_photo()))
    mirrored = io.BytesIO()
    ImageOps.mirror(sample).save(mirrored, "JPEG", quality=92)
    files = [("files", ("me.jpg", sample_photo(), "image/jpeg")),
             ("files", ("me-mirrored.jpg", mirrored.getvalue(), "image/jpeg"))]
    response = await api.post("/api/photos", files=files, headers=headers)
    assert response.status_code == 201, response.text
    return [p["id"] for p in response.json()]


async def _generate(api: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    photo_ids = await _customer_photos(api, headers)
    templates = (await api.get("/api/templates", headers=headers)).json()
    family = next(t["id"] for t in templates if t["theme"] == "family")
    started = await api.post("/api/calendars/generate", headers=headers,
                             json={"template_id": family, "photo_ids": photo_ids})
    assert started.status_code == 202, started.text
    return (await wait_for_status(api, headers, started.json()["job_id"], "ready_for_selection", seconds=240))[-1]


@pytest.mark.e2e
async def test_every_variant_is_scored_and_the_recommended_twelve_are_intact_in_twelve_months(
        tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    degraded = {15, 16, 17, 18}
    provider = DegradingProvider({(n, -1): "degraded" for n in degraded})
    async for stack in build_stack(tmp_path, dev_server, image_provider=provider, variant_count=18,
                                   likeness_replacements=0):
        headers = await register(stack.api)
        async with stack.worker():
            status = await _generate(stack.api, headers)

    variants = status["variants"]
    assert len(variants) == 18
    for variant in variants:
        assert 0 <= variant["score"] <= 100, variant
        assert set(variant["score_details"]) == COMPONENTS
        assert variant["score_details"]["likeness"] is not None  # the customer's photos show a face
    recommended = [v for v in variants if v["recommended"]]
    assert len(recommended) == 12
    assert sorted(v["suggested_month"] for v in recommended) == list(range(1, 13))
    assert all(v["suggested_season"] for v in recommended)
    assert all(v["suggested_month"] is None for v in variants if not v["recommended"])
    assert not [v["variant_number"] for v in recommended if v["variant_number"] in degraded]
    worst_intact = min(v["score"] for v in variants if v["variant_number"] not in degraded)
    assert all(v["score"] < worst_intact for v in variants if v["variant_number"] in degraded)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings overrides: the stack's own SQLite file, or a fresh PostgreSQL database."""
    return {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgres" else {}


@pytest.mark.e2e
async def test_the_likeness_guard_replaces_a_faceless_variant_once_and_stops_at_its_budget(
        tmp_path: Path, dev_server: WorkflowEnvironment, database: dict[str, str]) -> None:
    # Variant 2 shows no face at every attempt; the budget allows one automatic replacement in the generation.
    provider = DegradingProvider({(2, -1): "faceless"})
    async for stack in build_stack(tmp_path, dev_server, image_provider=provider, variant_count=12,
                                   likeness_replacements=1, **database):
        headers = await register(stack.api)
        async with stack.worker():
            status = await _generate(stack.api, headers)

    assert sorted(provider.calls) == sorted([(n, 0) for n in range(1, 13)] + [(2, 1)])  # one extra, no loop
    by_number = {v["variant_number"]: v for v in status["variants"]}
    flagged = by_number[2]
    assert flagged["attempt"] == 1 and flagged["status"] == "ready"
    assert flagged["likeness_note"] == "kept_no_face"  # the replacement showed no face either: kept, flagged
    assert flagged["score_details"]["face"] == 0
    assert all(v["likeness_note"] is None for n, v in by_number.items() if n != 2)
