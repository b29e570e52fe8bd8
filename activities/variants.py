"""Delete variants: the unselected ones after finalization, all of them on expiry, failure or cancellation."""

from __future__ import annotations

from sqlmodel import col, or_, select
from temporalio import activity

from activities.deps import ActivityDeps
from activities.errors import invalid_input
from activities.heartbeat import keeps_beating
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import DeleteVariantsInput
from db.files import object_keys
from db.models import CalendarMonth, GeneratedCalendarVariant, Job, UploadedFile
from db.session import session_scope
from storage.keys import job_prefix


class VariantActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.delete_variants)
    @keeps_beating
    async def delete_variants(self, request: DeleteVariantsInput) -> int:
        deleted = await delete_job_variants(self._deps, request)
        activity.logger.info("job %s: deleted %s variants", request.job_id, deleted)
        return deleted


async def delete_job_variants(deps: ActivityDeps, request: DeleteVariantsInput) -> int:
    """Rows first (committed), objects second, then a sweep of the job's objects that no row points to: no row
    ever points at a missing object, and a retry finishes an interrupted run. A variant or file a calendar's
    month uses is never deleted, whatever `keep_selected` says."""
    async with session_scope(deps.sessions) as session:
        job = await session.get(Job, request.job_id)
        if job is None:
            return 0
        if job.user_id != request.user_id:
            raise invalid_input(f"job {request.job_id} of user {request.user_id} does not exist")
        variants = (await session.exec(select(GeneratedCalendarVariant).where(
            GeneratedCalendarVariant.job_id == request.job_id))).all()
        in_calendar = (await session.exec(select(CalendarMonth).where(or_(
            col(CalendarMonth.variant_id).in_([v.id for v in variants]),
            col(CalendarMonth.file_id).in_([v.generated_file_id for v in variants]))))).all()
        used_variants = {m.variant_id for m in in_calendar}
        used_files = {m.file_id for m in in_calendar}
        doomed = [v for v in variants if not (request.keep_selected and v.is_selected)
                  and v.id not in used_variants and v.generated_file_id not in used_files]
        doomed_file_ids = {v.generated_file_id for v in doomed if v.generated_file_id is not None}
        doomed_files = (await session.exec(select(UploadedFile).where(
            col(UploadedFile.id).in_(doomed_file_ids)))).all() if doomed_file_ids else []
        for variant in doomed:
            await session.delete(variant)
        await session.flush()
        for file in doomed_files:
            await session.delete(file)
        prefix = f"{job_prefix(job.user_id, job.id)}/variants/"
    await _sweep(deps, prefix)
    return len(doomed)


async def _sweep(deps: ActivityDeps, prefix: str) -> None:
    """Delete the objects under `prefix` that no file row points to (the rows just deleted, and objects an
    attempt wrote before crashing ahead of its row)."""
    async with session_scope(deps.sessions) as session:
        files = (await session.exec(select(UploadedFile).where(
            col(UploadedFile.storage_key).startswith(prefix)))).all()
    kept = {key for file in files for key in object_keys(file)}
    for key in await deps.storage.list_keys(prefix):
        if key not in kept:
            await deps.storage.delete(key)
