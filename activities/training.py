"""Train a model on the customer's photos — or reuse the one already trained on the same photo set."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.deps import ActivityDeps
from activities.errors import provider_failures
from activities.heartbeat import HeartbeatDetails, heartbeating
from db.models import FluxModel, Job, ModelStatus, Training, UploadedFile, utcnow
from db.session import session_scope
from imaging.providers.base import TrainingRequest, TrainingResult
from workflows import activity_names as names
from workflows.models import TrainedModel, TrainModelInput


class TrainingActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @property
    def _base_model(self) -> str:
        return self._deps.provider.base_model

    @activity.defn(name=names.TRAIN_MODEL)
    async def train_model(self, request: TrainModelInput) -> TrainedModel:
        model = await self._find_or_create_model(request)
        if model.status == ModelStatus.ready and model.version_ref:
            await self._link_job(request.job_id, model.id)
            return TrainedModel(flux_model_id=model.id, model_ref=model.version_ref, reused=True)

        photos = await self._photo_bytes(request)
        details = HeartbeatDetails()
        try:
            async with heartbeating(details), provider_failures():
                result = await self._deps.provider.train(
                    TrainingRequest(user_id=request.user_id, photo_set_hash=request.photo_set_hash, photos=photos,
                                    trigger_word=model.trigger_word, resume_ref=details.provider_ref),
                    on_started=details.started,
                )
        except ApplicationError as err:
            if err.non_retryable:
                await self._record_failure(model.id, details.provider_ref, str(err))
            raise
        await self._record_success(model.id, request.job_id, result)
        return TrainedModel(flux_model_id=model.id, model_ref=result.model_ref, reused=False)

    async def _find_or_create_model(self, request: TrainModelInput) -> FluxModel:
        query = select(FluxModel).where(
            FluxModel.user_id == request.user_id, FluxModel.photo_set_hash == request.photo_set_hash,
            FluxModel.provider == self._deps.provider.name, FluxModel.base_model == self._base_model)
        try:
            async with session_scope(self._deps.sessions) as session:
                model = (await session.exec(query)).first()
                if model is None:
                    model = FluxModel(user_id=request.user_id, provider=self._deps.provider.name,
                                      base_model=self._base_model, photo_set_hash=request.photo_set_hash)
                    session.add(model)
                elif model.status == ModelStatus.failed:
                    model.status, model.error, model.updated_at = ModelStatus.training, None, utcnow()
                    session.add(model)
                await session.flush()
                return model
        except IntegrityError:
            # Two jobs of the same user and photo set started together: the other one created the row.
            async with session_scope(self._deps.sessions) as session:
                return (await session.exec(query)).one()

    async def _photo_bytes(self, request: TrainModelInput) -> list[bytes]:
        async with session_scope(self._deps.sessions) as session:
            files = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_(request.photo_ids), UploadedFile.user_id == request.user_id))).all()
        return [(await self._deps.storage.get(f.storage_key)).data for f in files]

    async def _link_job(self, job_id: int, model_id: int) -> None:
        async with session_scope(self._deps.sessions) as session:
            job = await session.get(Job, job_id)
            if job is not None:
                job.flux_model_id = model_id
                session.add(job)

    async def _record_success(self, model_id: int, job_id: int, result: TrainingResult) -> None:
        async with session_scope(self._deps.sessions) as session:
            model = await session.get(FluxModel, model_id)
            assert model is not None
            model.status, model.version_ref, model.error, model.updated_at = (
                ModelStatus.ready, result.model_ref, None, utcnow())
            session.add(model)
            session.add(Training(flux_model_id=model_id, provider_ref=result.provider_ref, status=ModelStatus.ready,
                                 cost_usd=result.cost_usd, finished_at=utcnow()))
            job = await session.get(Job, job_id)
            if job is not None:
                job.flux_model_id = model_id
                job.cost_usd += result.cost_usd
                session.add(job)

    async def _record_failure(self, model_id: int, provider_ref: str | None, error: str) -> None:
        async with session_scope(self._deps.sessions) as session:
            model = await session.get(FluxModel, model_id)
            assert model is not None
            model.status, model.error, model.updated_at = ModelStatus.failed, error, utcnow()
            session.add(model)
            session.add(Training(flux_model_id=model_id, provider_ref=provider_ref, status=ModelStatus.failed,
                                 error=error, finished_at=utcnow()))
