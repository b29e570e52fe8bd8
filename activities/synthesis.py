"""Generate one styled variant and store it (image, thumbnail, row) the moment it is done."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from functools import partial

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.deps import ActivityDeps
from activities.errors import invalid_input, provider_failures
from activities.heartbeat import HeartbeatDetails, keeps_beating, provider_job
from activities.job_rows import add_job_cost, owned_job, record_variant_progress
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import GenerateVariantInput, RegenerationMark, VariantFailure, VariantResult
from contracts.variations import compose_prompt
from db.files import object_keys, upsert_file
from db.models import FileKind, FluxModel, GeneratedCalendarVariant, UploadedFile, VariantStatus
from db.session import session_scope
from imaging.providers.base import SynthesisRequest, SynthesisResult
from imaging.thumbnails import variant_images
from imaging.web_formats import JPEG, WEBP
from ops.metrics import CACHE_HITS, REGENERATIONS
from storage import ObjectNotFound
from storage.keys import thumbnail_key, variant_key, webp_key

PREVIEW_SIZE = 512
FULL_SIZE = 1024


def synthesis_cache_key(photo_sha256: str, request: GenerateVariantInput, prompt: str) -> str:
    """Everything that decides the image: the photo's bytes, the template's look, the prompt, the seed, the model."""
    recipe = {"photo": photo_sha256, "look": request.prompt.model_dump(mode="json"), "prompt": prompt,
              "seed": request.seed, "model": request.model_ref, "preview": request.preview}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def variant_tag(variant_number: int, attempt: int) -> str:
    """Stable across retries of one attempt (lets a provider find a job whose create response was lost), and unique
    across runs and deployments (the workflow id carries the deployment's prefix, the run id is unique), so a
    rewound job id or another deployment on the same provider account never adopts someone else's job."""
    info = activity.info()
    return f"{info.workflow_id}.{info.workflow_run_id}.v{variant_number}.a{attempt}"


@dataclass(frozen=True)
class _Known:
    existing: GeneratedCalendarVariant | None  # the variant's row, from an earlier attempt or try
    photo: UploadedFile
    prompt: str
    cache_key: str
    earlier: UploadedFile | None  # an image of the same cache key, made before for this customer


class SynthesisActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.generate_variant)
    async def generate_variant(self, request: GenerateVariantInput) -> VariantResult:
        known = await self._known(request)
        existing = known.existing
        if existing is not None and existing.status == VariantStatus.ready and existing.attempt >= request.attempt:
            # A retry or a duplicate delivery of work already done: never generate (or pay) twice.
            return VariantResult(variant_id=existing.id, variant_number=existing.variant_number,
                                 attempt=existing.attempt)
        photo, prompt, cache_key = known.photo, known.prompt, known.cache_key
        result = await self._cached(known.earlier)
        seconds: float | None = None  # measured only when the provider made it: the time estimate's samples
        if result is None:
            started = time.monotonic()
            details = HeartbeatDetails(recorded_ref=_started_ref(existing, request.attempt),
                                       record=partial(self._record_started, request))
            photo_bytes = (await self._deps.storage.get(photo.storage_key)).data
            async with provider_job(details, self._deps.provider, "synthesis"), provider_failures():
                result = await self._deps.provider.generate(
                    SynthesisRequest(
                        model_ref=request.model_ref, photo=photo_bytes, theme=request.prompt.theme, prompt=prompt,
                        negative_prompt=request.prompt.negative_prompt,
                        style_strength=request.prompt.style_strength, steps=request.prompt.steps, seed=request.seed,
                        color_scheme=request.prompt.color_scheme, preview=request.preview,
                        size=PREVIEW_SIZE if request.preview else FULL_SIZE,
                        tag=variant_tag(request.variant_number, request.attempt),
                        resume_ref=details.provider_ref,
                        # The tag is this activity's: on its first try nothing can exist under it yet.
                        fresh=activity.info().attempt == 1 and details.provider_ref is None),
                    on_started=details.started,
                )
            seconds = time.monotonic() - started
        return await self._store(request, prompt, result, cache_key, seconds)

    @implements(contract.mark_variant_failed)
    @keeps_beating
    async def mark_variant_failed(self, failure: VariantFailure) -> None:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, failure)
            row = await self._variant_row(failure.job_id, failure.variant_number, session)
            if row is not None and row.attempt > failure.attempt:
                return
            row = row or GeneratedCalendarVariant(
                user_id=failure.user_id, job_id=failure.job_id, template_id=failure.template_id,
                source_photo_id=failure.source_photo_id, variant_number=failure.variant_number)
            row.attempt, row.status, row.error = failure.attempt, VariantStatus.failed, failure.error
            session.add(row)

    @implements(contract.mark_variant_regenerating)
    @keeps_beating
    async def mark_variant_regenerating(self, mark: RegenerationMark) -> None:
        """A ready variant shows `regenerating` while its replacement is made, and `ready` again (keeping its image,
        with the reason) when no replacement could be made. A successful replacement stores itself as ready."""
        wanted, current = ((VariantStatus.regenerating, VariantStatus.ready) if mark.regenerating
                           else (VariantStatus.ready, VariantStatus.regenerating))
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, mark)
            changed = await session.exec(update(GeneratedCalendarVariant).where(
                col(GeneratedCalendarVariant.job_id) == mark.job_id,
                col(GeneratedCalendarVariant.variant_number) == mark.variant_number,
                col(GeneratedCalendarVariant.status) == current,
            ).values(status=wanted, error=mark.error))
        if mark.regenerating and changed.rowcount:  # a retry finds the row already marked: counted once
            REGENERATIONS.inc()

    async def _record_started(self, request: GenerateVariantInput, provider_ref: str) -> None:
        """Keep the paid job's id on the variant's row before waiting on it, so that a retry whose heartbeat details
        were lost resumes it. A ready row (a regeneration) keeps its image and status untouched: there, the
        heartbeat and the provider's lookup by tag are what find the job again."""
        async with session_scope(self._deps.sessions) as session:
            row = await self._variant_row(request.job_id, request.variant_number, session)
            if row is not None and (row.attempt > request.attempt
                                    or row.status in (VariantStatus.ready, VariantStatus.regenerating)):
                return
            row = row or GeneratedCalendarVariant(
                user_id=request.user_id, job_id=request.job_id, template_id=request.template_id,
                source_photo_id=request.source_photo_id, variant_number=request.variant_number)
            row.attempt, row.status, row.error, row.provider_ref = (
                request.attempt, VariantStatus.generating, None, provider_ref)
            row.source_photo_id = request.source_photo_id
            session.add(row)

    async def _known(self, request: GenerateVariantInput) -> _Known:
        """Everything a synthesis reads first, in one transaction (per variant, at scale: docs/scaling.md)."""
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
            existing = await self._variant_row(request.job_id, request.variant_number, session)
            photo = await session.get(UploadedFile, request.source_photo_id)
            if photo is None or photo.user_id != request.user_id:
                raise invalid_input(f"photo {request.source_photo_id} not found")
            model = (await session.exec(select(FluxModel).where(FluxModel.version_ref == request.model_ref))).first()
            prompt = compose_prompt(model.trigger_word if model else "", request.prompt.base_prompt,
                                    request.variation, request.custom_prompt)
            cache_key = synthesis_cache_key(photo.sha256, request, prompt)
            # The same image made before for this customer (an earlier generation of the same photos and theme)
            # and still kept is copied instead of paid for again. Only the customer's own, still-existing variants
            # count, so the cache never outlives the variants' own deletion.
            earlier = (await session.exec(
                select(UploadedFile).join(GeneratedCalendarVariant,
                                          col(GeneratedCalendarVariant.generated_file_id) == col(UploadedFile.id))
                .where(GeneratedCalendarVariant.user_id == request.user_id,
                       GeneratedCalendarVariant.cache_key == cache_key,
                       GeneratedCalendarVariant.status == VariantStatus.ready))).first()
        return _Known(existing, photo, prompt, cache_key, earlier)

    async def _cached(self, earlier: UploadedFile | None) -> SynthesisResult | None:
        """The earlier image of the same cache key, if its object is still stored."""
        if earlier is None:
            return None
        try:
            stored = await self._deps.storage.get(earlier.storage_key)
        except ObjectNotFound:
            return None
        activity.logger.info("variant answered from the cache (file %s)", earlier.id)
        CACHE_HITS.inc()
        return SynthesisResult(image=stored.data, content_type=stored.content_type, provider_ref=f"cache:{earlier.id}")

    async def _store(self, request: GenerateVariantInput, prompt: str, result: SynthesisResult,
                     cache_key: str, seconds: float | None) -> VariantResult:
        storage = self._deps.storage
        key = variant_key(request.user_id, request.job_id, request.variant_number, request.attempt)
        thumb_key = thumbnail_key(key)
        thumb_webp_key = webp_key(thumb_key)
        # Decoded once, off the event loop (the other waits of this worker go on meanwhile); stored side by side.
        images = await asyncio.to_thread(variant_images, result.image)
        width, height = images.width, images.height
        await asyncio.gather(storage.put(key, result.image, result.content_type),
                             storage.put(thumb_key, images.thumbnail, JPEG),
                             storage.put(thumb_webp_key, images.thumbnail_webp, WEBP))

        async with session_scope(self._deps.sessions) as session:
            file = await upsert_file(session, user_id=request.user_id, kind=FileKind.variant, storage_key=key,
                                     thumbnail_key=thumb_key, thumbnail_webp_key=thumb_webp_key,
                                     content_type=result.content_type, data=result.image,
                                     width=width, height=height)
            row = await self._variant_row(request.job_id, request.variant_number, session)
            replaced_file_id = row.generated_file_id if row is not None else None
            row = row or GeneratedCalendarVariant(
                user_id=request.user_id, job_id=request.job_id, template_id=request.template_id,
                source_photo_id=request.source_photo_id, variant_number=request.variant_number)
            row.generated_file_id, row.attempt, row.status, row.error = (
                file.id, request.attempt, VariantStatus.ready, None)
            row.prompt, row.seed, row.provider_ref, row.cost_usd = prompt, request.seed, result.provider_ref, \
                result.cost_usd
            row.source_photo_id, row.cache_key, row.synthesis_seconds = request.source_photo_id, cache_key, seconds
            # A new image is scored afresh (activities/scoring.py); its likeness note stays until then.
            row.score = row.score_details = row.image_hash = None
            session.add(row)
            await add_job_cost(session, request.job_id, result.cost_usd)
            await session.flush()
            await record_variant_progress(session, request.job_id)
            variant = VariantResult(variant_id=row.id, variant_number=row.variant_number, attempt=row.attempt)

        if replaced_file_id is not None and replaced_file_id != file.id:
            await self._delete_file(replaced_file_id)
        return variant

    async def _delete_file(self, file_id: int) -> None:
        """Drop the image a regeneration replaced: its row first, then its objects, so no row ever points at a
        missing object (objects a crash leaves behind are swept with the job's variants)."""
        async with session_scope(self._deps.sessions) as session:
            old = await session.get(UploadedFile, file_id)
            if old is None:
                return
            keys = object_keys(old)
            await session.delete(old)
        for key in keys:
            await self._deps.storage.delete(key)

    async def _variant_row(self, job_id: int, variant_number: int,
                           session: AsyncSession | None = None) -> GeneratedCalendarVariant | None:
        query = select(GeneratedCalendarVariant).where(GeneratedCalendarVariant.job_id == job_id,
                                                       GeneratedCalendarVariant.variant_number == variant_number)
        if session is not None:
            return (await session.exec(query)).first()
        async with session_scope(self._deps.sessions) as own_session:
            return (await own_session.exec(query)).first()


def _started_ref(row: GeneratedCalendarVariant | None, attempt: int) -> str | None:
    """The provider job an earlier, interrupted try of this attempt started (see `_record_started`)."""
    if row is not None and row.attempt == attempt and row.status == VariantStatus.generating:
        return row.provider_ref
    return None
