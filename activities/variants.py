"""Delete variants: the unselected ones after finalization, all of them on expiry, failure or cancellation."""

from __future__ import annotations

from sqlmodel import col, select
from temporalio import activity

from activities.deps import ActivityDeps
from db.files import object_keys
from db.models import GeneratedCalendarVariant, Job, UploadedFile
from db.session import session_scope
from storage.keys import job_prefix
from workflows import activity_names as names
from workflows.models import DeleteVariantsInput


class VariantActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @activity.defn(name=names.DELETE_VARIANTS)
    async def delete_variants(self, request: DeleteVariantsInput) -> int:
        """Objects first, rows second: an interrupted run leaves rows that the retry finds and finishes."""
        storage = self._deps.storage
        async with session_scope(self._deps.sessions) as session:
            job = await session.get(Job, request.job_id)
            if job is None:
                return 0
            variants = (await session.exec(select(GeneratedCalendarVariant).where(
                GeneratedCalendarVariant.job_id == request.job_id))).all()
            doomed = [v for v in variants if not (request.keep_selected and v.is_selected)]
            kept_file_ids = {v.generated_file_id for v in variants if v not in doomed}
            kept_files = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(kept_file_ids)))).all() if kept_file_ids else []
            doomed_file_ids = {v.generated_file_id for v in doomed if v.generated_file_id is not None}
            doomed_files = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(doomed_file_ids)))).all() if doomed_file_ids else []

            kept_keys = {key for f in kept_files for key in object_keys(f)}
            # Also sweep objects no row points to (written by an attempt that crashed before its row was saved).
            stored = await storage.list_keys(f"{job_prefix(job.user_id, job.id)}/variants")
            for key in sorted(set(stored) | {k for f in doomed_files for k in object_keys(f)}):
                if key not in kept_keys:
                    await storage.delete(key)
            for variant in doomed:
                await session.delete(variant)
            await session.flush()
            for file in doomed_files:
                await session.delete(file)
        activity.logger.info("job %s: deleted %s variants", request.job_id, len(doomed))
        return len(doomed)
