"""Enlarge a calendar's chosen images for print with the provider's AI upscaler, before its PDF is rendered.

Each image too small for 300 DPI at its printed size gets a copy `scale` times larger (a whole factor, 2-4, from
the render's own geometry), stored next to it and named on its file row with the method, which the render report
then shows. Idempotent and paid once: a copy already on the row, or already stored by an interrupted try, is
reused; a paid upscale whose answer was lost is found again by its tag or by the id kept in the heartbeat. (A try
that dies between storing a copy and recording it leaves that copy's cost out of the job's total: the retry
reuses the copy and pays nothing.)
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from sqlmodel import col, select
from temporalio import activity

from activities.deps import ActivityDeps
from activities.errors import invalid_input, provider_failures
from activities.heartbeat import beating
from activities.job_rows import add_job_cost
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import PrintUpscaleInput, PrintUpscaleResult
from db.models import CalendarMonth, Template, UploadedFile, UserCalendar
from db.session import session_scope
from imaging.providers.base import Upscaler, UpscaleRequest
from render.calendar_pdf import print_enlargements
from services.calendar_render import calendar_spec
from storage import ObjectNotFound
from storage.keys import print_copy_key

MAX_AI_SCALE = 4  # ESRGAN's native factor; past it the renderer's classical upscale adds the rest, and says so


def ai_scale(enlargement: float) -> int | None:
    """The whole factor to ask the upscaler for (2-4); None when the image already has the pixels it needs."""
    if enlargement <= 1.0:
        return None
    return min(MAX_AI_SCALE, max(2, math.ceil(enlargement)))


@dataclass(frozen=True)
class _Work:
    file_id: int
    storage_key: str
    scale: int


class PrintUpscaleActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.upscale_selected)
    async def upscale_selected(self, request: PrintUpscaleInput) -> PrintUpscaleResult:
        upscaler = self._deps.provider
        if not isinstance(upscaler, Upscaler):
            return PrintUpscaleResult()  # offline: the renderer enlarges classically, and the report says so
        scales, already, sharp = await self._plan(request)
        result = PrintUpscaleResult(reused=already, sharp_enough=sharp, method=upscaler.upscale_method(MAX_AI_SCALE))
        if not scales:
            return result
        details = activity.info().heartbeat_details
        # file id -> the paid prediction an earlier try of this activity started (heartbeat details survive retries)
        started: dict[str, str] = dict(details[0]) if details and isinstance(details[0], dict) else {}
        slots = asyncio.Semaphore(self._deps.settings.max_parallel)  # as many paid jobs at once as a generation runs

        async def upscale(work: _Work) -> tuple[bool, float]:
            async with slots:
                return await self._upscale(upscaler, request, work, started)

        # The started ids ride on every beat: a retry after a dead worker finds its paid predictions there.
        async with beating(lambda: (started,)):
            outcomes = await asyncio.gather(*(upscale(work) for work in scales), return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]  # the others are stored: a retry pays only for what is missing
        for paid, cost in (outcome for outcome in outcomes if not isinstance(outcome, BaseException)):
            result.upscaled += paid
            result.reused += not paid
            result.cost_usd += cost
        return result

    async def _plan(self, request: PrintUpscaleInput) -> tuple[list[_Work], int, int]:
        """The images to upscale and by how much; how many have a copy already, and how many need none."""
        async with session_scope(self._deps.sessions) as session:
            calendar = await session.get(UserCalendar, request.calendar_id)
            if calendar is None or calendar.user_id != request.user_id:
                raise invalid_input(f"calendar {request.calendar_id} does not exist")
            template = await session.get(Template, calendar.template_id)
            assert template is not None
            spec = calendar_spec(calendar, template)
            months = (await session.exec(select(CalendarMonth).where(
                CalendarMonth.calendar_id == calendar.id))).all()
            files = {f.id: f for f in (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_([m.file_id for m in months])))).all()}
        images = {m.month: (await self._deps.storage.get(files[m.file_id].storage_key)).data for m in months}
        try:
            needed = await asyncio.to_thread(print_enlargements, spec, images)
        except ValueError as err:  # the render would refuse too; it reports why
            raise invalid_input(f"calendar {request.calendar_id} cannot be rendered: {err}") from err
        factors: dict[int, float] = {}
        for month in months:  # a preview calendar may print one image in two places: the larger need counts
            factors[month.file_id] = max(factors.get(month.file_id, 0.0), needed[month.month])
        work, already, sharp = [], 0, 0
        for file_id, factor in factors.items():
            scale = ai_scale(factor)
            if scale is None:
                sharp += 1
            elif files[file_id].print_key:
                already += 1
            else:
                work.append(_Work(file_id=file_id, storage_key=files[file_id].storage_key, scale=scale))
        return work, already, sharp

    async def _upscale(self, upscaler: Upscaler, request: PrintUpscaleInput, work: _Work,
                       started: dict[str, str]) -> tuple[bool, float]:
        """(paid now, cost) for one image; a copy an interrupted try stored is recorded without paying again."""
        storage, key = self._deps.storage, print_copy_key(work.storage_key, work.scale)
        try:
            await storage.get(key)
            paid, cost, method = False, 0.0, upscaler.upscale_method(work.scale)
        except ObjectNotFound:
            info = activity.info()

            def remember(provider_ref: str) -> None:
                started[str(work.file_id)] = provider_ref
                activity.heartbeat(started)

            original = (await storage.get(work.storage_key)).data
            async with provider_failures():
                upscaled = await upscaler.upscale(UpscaleRequest(
                    image=original, scale=work.scale,
                    tag=f"{info.workflow_id}.{info.workflow_run_id}.print{work.file_id}x{work.scale}",
                    resume_ref=started.get(str(work.file_id))), on_started=remember)
            await storage.put(key, upscaled.image, upscaled.content_type)
            paid, cost, method = True, upscaled.cost_usd, upscaled.method
        async with session_scope(self._deps.sessions) as session:
            file = await session.get(UploadedFile, work.file_id)
            assert file is not None
            file.print_key, file.print_method = key, method
            session.add(file)
            await add_job_cost(session, request.job_id, cost)
        return paid, cost

