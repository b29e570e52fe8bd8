"""Scoring activities (docs/scoring.md): the customer's reference faces, a score per variant, the recommended 12.

`prepare_reference_faces` and `score_variant` run on the scoring task queue, their CPU work in the worker's
process pool (ActivityDeps.cpu_pool); `recommend_variants` is database work on the main queue. All three are
idempotent: they store what they computed and a repeat finds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

from sqlmodel import col, select

from activities.deps import ActivityDeps
from activities.errors import invalid_input
from activities.heartbeat import keeps_beating
from activities.job_rows import owned_job
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import (
    JobRef,
    LikenessNote,
    LikenessProblem,
    RecommendationResult,
    ReferenceFaces,
    ReferenceFacesInput,
    ScoreVariantInput,
    VariantScore,
)
from db.models import GeneratedCalendarVariant, Template, UploadedFile, VariantStatus
from db.session import session_scope
from db.template_data import TemplateData
from imaging.photos import PhotoRejected
from imaging.recommend import Candidate, near_duplicates, recommend
from imaging.scoring import StoredFace, VariantMeasures, measure_variant, photo_faces, reference_set, total
from render.images import cover_crop
from render.month_page import default_photo_aspect
from render.theme import theme_style

T = TypeVar("T")

_NOTES = {  # (problem, replacing) -> what the customer reads
    (LikenessProblem.no_face, True): LikenessNote.replacing_no_face,
    (LikenessProblem.unlike, True): LikenessNote.replacing_unlike,
    (LikenessProblem.no_face, False): LikenessNote.kept_no_face,
    (LikenessProblem.unlike, False): LikenessNote.kept_unlike,
}
_KEPT = {LikenessNote.kept_no_face, LikenessNote.kept_unlike}
_REPLACED = {LikenessProblem.no_face: LikenessNote.replaced_no_face,
             LikenessProblem.unlike: LikenessNote.replaced_unlike}


class ScoringActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.prepare_reference_faces)
    @keeps_beating
    async def prepare_reference_faces(self, request: ReferenceFacesInput) -> ReferenceFaces:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
            photos = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(request.photo_ids), UploadedFile.user_id == request.user_id))).all()
        for photo in photos:
            if photo.faces is not None:  # computed for an earlier generation (or an earlier try of this one)
                continue
            data = (await self._deps.storage.get(photo.storage_key)).data
            try:
                faces = await self._cpu(partial(photo_faces, data))
            except PhotoRejected:
                faces = []
            async with session_scope(self._deps.sessions) as session:
                row = await session.get(UploadedFile, photo.id)
                if row is not None:
                    row.faces = [face.model_dump() for face in faces]
                    session.add(row)
            photo.faces = [face.model_dump() for face in faces]
        found = [[StoredFace.model_validate(f) for f in photo.faces or []] for photo in photos]
        return ReferenceFaces(references=len(reference_set(found)),
                              photos_without_face=sum(1 for faces in found if not faces))

    @implements(contract.score_variant)
    @keeps_beating
    async def score_variant(self, request: ScoreVariantInput) -> VariantScore:
        """Measures an image once (a retry, or a second call for the same attempt, reuses them); what the customer is
        told follows this call's `can_replace`, so a flagged variant whose replacement failed says it was kept."""
        async with session_scope(self._deps.sessions) as session:
            job = await owned_job(session, request)
            variant = await session.get(GeneratedCalendarVariant, request.variant_id)
            if variant is None or variant.job_id != job.id:
                raise invalid_input(f"variant {request.variant_id} is not one of job {job.id}'s")
            if variant.attempt > request.attempt:  # replaced meanwhile: the newer image is scored by its own call
                return VariantScore(variant_id=variant.id, attempt=request.attempt, score=0.0)
            measured = _measures(variant)
            file = await session.get(UploadedFile, variant.generated_file_id)
            template = await session.get(Template, variant.template_id)
            photos = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(job.photo_ids), UploadedFile.user_id == job.user_id))).all()
        references = reference_set([[StoredFace.model_validate(f) for f in p.faces or []] for p in photos])
        measures = measured or await self._measure(request, file, template, references)
        problem = self._problem(measures, bool(references))
        note = (_NOTES[problem, request.can_replace] if problem else
                _REPLACED[request.replaced_because] if request.replaced_because else None)
        async with session_scope(self._deps.sessions) as session:
            row = await session.get(GeneratedCalendarVariant, request.variant_id)
            if row is not None and row.attempt == request.attempt:
                row.image_hash, row.likeness_note = measures.image_hash, note
                if measured is None:  # recommend_variants may have set uniqueness since: keep its score
                    row.score = total(measures.components)
                    row.score_details = {"attempt": request.attempt, "measures": measures.model_dump(mode="json")}
                session.add(row)
        return VariantScore(variant_id=request.variant_id, attempt=request.attempt,
                            score=total(measures.components), likeness_problem=problem)

    async def _measure(self, request: ScoreVariantInput, file: UploadedFile | None, template: Template | None,
                       references: list[list[float]]) -> VariantMeasures:
        if file is None or template is None:
            raise invalid_input(f"variant {request.variant_id} has no image to score")
        data = (await self._deps.storage.get(file.storage_key)).data
        crop = cover_crop(file.width, file.height, print_aspect(template))
        try:
            return await self._cpu(partial(measure_variant, data, references, crop,
                                            likeness_threshold=self._deps.settings.likeness_threshold))
        except PhotoRejected as err:
            raise invalid_input(f"variant {request.variant_id}'s image cannot be decoded") from err

    @implements(contract.recommend_variants)
    async def recommend_variants(self, request: JobRef) -> RecommendationResult:
        """Recomputed from the rows every time (after the generation, after each regeneration): idempotent."""
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
            rows = (await session.exec(select(GeneratedCalendarVariant).where(
                GeneratedCalendarVariant.job_id == request.job_id))).all()
            scored = {row.id: _measures(row) for row in rows}
            candidates = [Candidate(variant_id=row.id, source_photo_id=row.source_photo_id, score=row.score or 0,
                                    image_hash=measures.image_hash, warmth=measures.warmth,
                                    brightness=measures.brightness,
                                    flagged=row.likeness_note in _KEPT)
                          for row in rows if row.status == VariantStatus.ready
                          and (measures := scored[row.id]) is not None]
            repeats = near_duplicates(candidates)
            for candidate in candidates:  # the weaker of two near-duplicates loses its uniqueness points
                measures = scored[candidate.variant_id]
                assert measures is not None
                components = measures.components.model_copy(
                    update={"uniqueness": 0.0 if candidate.variant_id in repeats else 1.0})
                candidate.score = total(components)
                scored[candidate.variant_id] = measures.model_copy(update={"components": components})
            picks = {pick.variant_id: pick for pick in recommend(candidates)}
            for row in rows:
                pick, measures = picks.get(row.id), scored[row.id]
                if measures is not None and row.score_details is not None:
                    row.score = total(measures.components)
                    row.score_details = {**row.score_details, "measures": measures.model_dump(mode="json")}
                row.recommended = pick is not None
                row.suggested_month = pick.month if pick else None
                row.suggested_season = pick.season if pick else None
                session.add(row)
        return RecommendationResult(recommended=[p.variant_id for p in sorted(picks.values(), key=lambda p: p.month)])

    def _problem(self, measures: VariantMeasures, has_references: bool) -> LikenessProblem | None:
        if not has_references:  # no face in the customer's photos: nothing to expect or compare
            return None
        if measures.faces == 0:
            return LikenessProblem.no_face
        distance = measures.face_distance
        if distance is not None and distance > self._deps.settings.likeness_threshold:
            return LikenessProblem.unlike
        return None

    async def _cpu(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._deps.cpu_pool(), work)
        except BrokenProcessPool:
            self._deps.replace_cpu_pool()  # the activity's retry runs in a fresh process
            raise


def print_aspect(template: Template) -> float:
    """The month page's photo shape in the calendar's default page setup (A4 portrait: what a new calendar gets;
    a later change of page setup is not re-scored)."""
    data = TemplateData.model_validate(template.template_data)
    return default_photo_aspect(theme_style(data.theme, data.color_scheme, data.layout))


def _measures(row: GeneratedCalendarVariant) -> VariantMeasures | None:
    details = row.score_details or {}
    if details.get("attempt") != row.attempt or "measures" not in details:
        return None
    return VariantMeasures.model_validate(details["measures"])
