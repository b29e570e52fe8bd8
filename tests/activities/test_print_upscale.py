"""The print upscale activity (activities/print_upscale.py) and the render that follows, on a real database and
store: with Replicate (the fake) the small chosen images are upscaled once each by the AI model, a retry or a copy
already stored is reused without paying again, the job's cost grows by what was paid, and the render report says
"AI upscaled"; offline the activity does nothing (the renderer's classical upscale stays, and is named)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deps import ActivityDeps
from activities.print_upscale import PrintUpscaleActivities, ai_scale
from contracts.activities import FailureType
from contracts.messages import PrintUpscaleInput, PrintUpscaleResult
from db.models import CalendarMonth, FileKind, Job, UploadedFile, UserCalendar
from db.seed import seed_templates
from db.session import session_scope
from imaging.providers.replicate import ReplicateSettings
from imaging.providers.replicate_upscale import AI_UPSCALE, ReplicateUpscalingProvider
from services.calendar_render import render_and_store
from settings import Settings
from testkit.fake_replicate.server import FakeReplicate, Fault
from testkit.fake_replicate.state import UPSCALER_VERSION
from testkit.migrated import migrate
from testkit.settings import make_settings
from tests.activities.test_job_records import _job as job_row

VARIANT_PX = 600  # small enough that an A4 month needs the upscaler's largest factor


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    await asyncio.to_thread(migrate, settings)
    return settings


@pytest.fixture
def fake() -> AsyncIterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server


async def _deps(settings: Settings, fake: FakeReplicate | None) -> ActivityDeps:
    if fake is None:
        return await ActivityDeps.from_settings(settings)  # the local provider
    provider = ReplicateUpscalingProvider(ReplicateSettings(
        api_token=fake.api_token, base_url=fake.base_url, destination_owner="calendary",
        webhook_url=fake.webhook_sink_url, poll_interval_seconds=0.02, expected_prediction_seconds=0.0,
        poll_backoff_factor=1.0))
    deps = await ActivityDeps.from_settings(settings, provider=provider)
    deps.owns_provider = True
    return deps


def _jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((VARIANT_PX, VARIANT_PX)).convert("RGB").point(
        lambda v: (v + shade) % 256).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def _calendar(deps: ActivityDeps) -> PrintUpscaleInput:
    """A calendar whose 12 months use 3 variant images (as a preview calendar may)."""
    async with session_scope(deps.sessions) as session:
        await seed_templates(session)  # without their preview images: not needed here, and slow to draw
    job = await job_row(deps)
    async with session_scope(deps.sessions) as session:
        files = []
        for number in range(3):
            key, data = f"users/{job.user_id}/jobs/{job.id}/variants/{number:02d}-a0.jpg", _jpeg(number * 60)
            await deps.storage.put(key, data, "image/jpeg")
            files.append(UploadedFile(user_id=job.user_id, kind=FileKind.variant, storage_key=key,
                                      content_type="image/jpeg", size=len(data), width=VARIANT_PX,
                                      height=VARIANT_PX, sha256=str(number)))
        session.add_all(files)
        calendar = UserCalendar(user_id=job.user_id, job_id=job.id, template_id=job.template_id, year=2027,
                                locale="en", title="Print")
        session.add(calendar)
        await session.flush()
        session.add_all([CalendarMonth(calendar_id=calendar.id, month=m, file_id=files[m % 3].id)
                         for m in range(1, 13)])
        return PrintUpscaleInput(job_id=job.id, user_id=job.user_id, calendar_id=calendar.id)


async def _render_report(deps: ActivityDeps, calendar_id: int) -> list[dict]:
    async with session_scope(deps.sessions) as session:
        calendar = await session.get(UserCalendar, calendar_id)
        assert calendar is not None
        await render_and_store(session, deps.storage, calendar)
        return list(calendar.render_report or [])


async def _files(deps: ActivityDeps) -> list[UploadedFile]:
    async with session_scope(deps.sessions) as session:
        return list((await session.exec(select(UploadedFile).order_by(UploadedFile.id))).all())


@dataclass
class Run:
    """The activity on Replicate (the fake) for one calendar, run as Temporal would, its heartbeats kept."""

    deps: ActivityDeps
    request: PrintUpscaleInput
    env: ActivityEnvironment = field(default_factory=ActivityEnvironment)
    beats: list[object] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.env.on_heartbeat = self.beats.append

    async def upscale(self) -> PrintUpscaleResult:
        return await self.env.run(PrintUpscaleActivities(self.deps).upscale_selected, self.request)


@pytest.fixture
async def on_replicate(settings: Settings, fake: FakeReplicate) -> AsyncIterator[Run]:
    deps = await _deps(settings, fake)
    try:
        yield Run(deps, await _calendar(deps))
    finally:
        await deps.close()


def test_the_scale_asked_for_is_a_whole_factor_of_two_to_four() -> None:
    assert [ai_scale(f) for f in (0.7, 1.0, 1.01, 2.0, 2.2, 3.9, 9.0)] == [None, None, 2, 2, 3, 4, 4]


async def test_replicate_upscales_each_small_image_once_and_the_report_says_ai(
        on_replicate: Run, fake: FakeReplicate) -> None:
    deps, request = on_replicate.deps, on_replicate.request

    first = await on_replicate.upscale()

    assert (first.upscaled, first.reused, first.sharp_enough) == (3, 0, 0)
    assert [p.version for p in fake.predictions()] == [UPSCALER_VERSION] * 3
    assert {p.input["scale"] for p in fake.predictions()} == {4}
    files = await _files(deps)
    assert all(f.print_key and f.print_method and f.print_method.startswith(AI_UPSCALE) for f in files)
    copy = await deps.storage.get(files[0].print_key or "")
    assert Image.open(io.BytesIO(copy.data)).size == (4 * VARIANT_PX, 4 * VARIANT_PX)
    async with session_scope(deps.sessions) as session:
        job = await session.get(Job, request.job_id)
        assert job is not None and job.cost_usd == pytest.approx(first.cost_usd) and job.cost_usd > 0
    assert on_replicate.beats  # the started predictions' ids went into the heartbeat, for a retry to resume

    # A retry of a finished upscale, and one whose row lost its copy (stored, not recorded): nothing is paid.
    async with session_scope(deps.sessions) as session:
        lost = await session.get(UploadedFile, files[1].id)
        assert lost is not None
        lost.print_key = lost.print_method = None
        session.add(lost)
    again = await on_replicate.upscale()
    assert (again.upscaled, again.reused) == (0, 3) and fake.billed_predictions() == 3
    assert (await _files(deps))[1].print_key == files[1].print_key

    report = await _render_report(deps, request.calendar_id)
    assert all(page["upscaled_with"].startswith(AI_UPSCALE) for page in report)
    assert all(page["source_dpi"] < 300 <= page["effective_dpi"] for page in report)


@pytest.mark.parametrize("with_heartbeat", [True, False], ids=["heartbeat", "tag-only"])
async def test_a_try_that_failed_after_paying_is_retried_without_paying_again(
        on_replicate: Run, fake: FakeReplicate, with_heartbeat: bool) -> None:
    fake.faults.plan("download_output", Fault.server_error(503))  # one upscale's result can't be fetched

    with pytest.raises(ApplicationError) as failed:
        await on_replicate.upscale()
    assert failed.value.type == FailureType.provider_unavailable and not failed.value.non_retryable
    assert fake.billed_predictions() == 3  # all three paid; two of them stored

    # the next attempt, as Temporal makes it: the last heartbeat's details come back (or were lost)
    env = on_replicate.env
    env.info = replace(env.info, attempt=2, heartbeat_details=[on_replicate.beats[-1]] if with_heartbeat else [])
    retried = await on_replicate.upscale()

    assert (retried.upscaled, retried.reused) == (1, 2)  # the third adopted, not paid again
    assert fake.billed_predictions() == 3 and all(f.print_key for f in await _files(on_replicate.deps))


async def test_offline_nothing_is_upscaled_and_the_renderer_keeps_its_classical_upscale(settings: Settings) -> None:
    """The render that follows names the classical upscale: tests/render/test_pdf_output.py (a photo without a print
    copy) and the offline journey in tests/web/test_journey.py show it."""
    deps = await _deps(settings, None)
    try:
        request = await _calendar(deps)

        result = await ActivityEnvironment().run(PrintUpscaleActivities(deps).upscale_selected, request)

        assert result.method is None and result.upscaled == 0
        assert not [f for f in await _files(deps) if f.print_key or f.print_method]
    finally:
        await deps.close()
