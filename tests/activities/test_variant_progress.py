"""A stored variant moves its job's progress in the transaction that stores it — the workflow no longer spends an
activity on each variant for that (patch "progress-with-variant") — on SQLite and PostgreSQL, with the real
synthesis activity and the offline provider: the progress climbs with every variant, only while generating."""

from __future__ import annotations

from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.deps import ActivityDeps
from activities.synthesis import SynthesisActivities
from contracts.messages import GenerateVariantInput, PromptConfig
from contracts.vocabulary import Stage
from db.models import FileKind, Job, UploadedFile
from db.session import session_scope
from testkit.api import photo_bytes
from tests.activities.test_job_records import _job as job_row

VARIANTS = 4
PROMPT = PromptConfig(theme="family", base_prompt="a family portrait", negative_prompt="", style_strength=0.6,
                      steps=4, color_scheme=["#ffffff"])


async def _generating_job(deps: ActivityDeps) -> tuple[Job, int]:
    """A job generating `VARIANTS` variants from one stored photo: (job, photo id)."""
    job = await job_row(deps)
    data = photo_bytes(320, 240)
    key = f"users/{job.user_id}/photos/progress.jpg"
    await deps.storage.put(key, data, "image/jpeg")
    async with session_scope(deps.sessions) as session:
        photo = UploadedFile(user_id=job.user_id, kind=FileKind.photo, storage_key=key, content_type="image/jpeg",
                             size=len(data), width=320, height=240, sha256="progress")
        session.add(photo)
        stored = await session.get(Job, job.id)
        assert stored is not None
        stored.status, stored.variant_count, stored.progress = Stage.generating.value, VARIANTS, 10
        await session.flush()
        return stored, photo.id


def _request(job: Job, photo_id: int, number: int) -> GenerateVariantInput:
    return GenerateVariantInput(job_id=job.id, user_id=job.user_id, template_id=job.template_id,
                                variant_number=number, attempt=0, source_photo_id=photo_id, model_ref="local:model",
                                prompt=PROMPT, variation="soft light", seed=number)


async def _progress(deps: ActivityDeps, job_id: int) -> tuple[int, str]:
    async with session_scope(deps.sessions) as session:
        job = (await session.exec(select(Job).where(Job.id == job_id))).one()
        return job.progress, job.current_step


async def test_each_stored_variant_moves_its_jobs_progress(deps: ActivityDeps) -> None:
    job, photo_id = await _generating_job(deps)
    synthesis = SynthesisActivities(deps)
    seen = []
    for number in range(1, VARIANTS + 1):
        await ActivityEnvironment().run(synthesis.generate_variant, _request(job, photo_id, number))
        seen.append(await _progress(deps, job.id))
    assert [progress for progress, _ in seen] == [10 + 80 * ready // VARIANTS for ready in range(1, VARIANTS + 1)]
    assert seen[-1][1].endswith(f"generating variants ({VARIANTS}/{VARIANTS})"), seen

    # A retry of work already done stores nothing and moves nothing; nor does a variant made after the stage
    # (a regeneration while the customer chooses): the workflow reports that stage itself.
    async with session_scope(deps.sessions) as session:
        stored = await session.get(Job, job.id)
        assert stored is not None
        stored.status, stored.progress, stored.current_step = Stage.ready_for_selection.value, 90, "pick"
    await ActivityEnvironment().run(synthesis.generate_variant, _request(job, photo_id, 2).model_copy(
        update={"attempt": 1, "seed": 99}))
    assert await _progress(deps, job.id) == (90, "pick")
