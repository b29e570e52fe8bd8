"""Train a model on the customer's photos — or reuse the one already trained on the same photo set."""

from __future__ import annotations

from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError

from activities.deps import ActivityDeps
from activities.errors import provider_failures
from activities.heartbeat import HeartbeatDetails, provider_job
from activities.job_rows import add_job_cost, owned_job
from contracts import activities as contract
from contracts.activities import implements
from contracts.messages import TrainedModel, TrainModelInput
from db.models import FluxModel, Job, ModelStatus, Training, UploadedFile, utcnow
from db.session import session_scope
from imaging.providers.base import TrainingRequest, TrainingResult


class TrainingActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self._deps = deps

    @implements(contract.train_model)
    async def train_model(self, request: TrainModelInput) -> TrainedModel:
        async with session_scope(self._deps.sessions) as session:
            await owned_job(session, request)
        model = await self._find_or_create_model(request)
        if model.status == ModelStatus.ready and model.version_ref:
            await self._link_job(request.job_id, model.id)
            return TrainedModel(flux_model_id=model.id, model_ref=model.version_ref, reused=True)

        photos = await self._photo_bytes(request)
        details = HeartbeatDetails(recorded_ref=await self._started_training_ref(model.id),
                                   record=partial(self._record_started, model.id))
        try:
            async with provider_job(details, self._deps.provider, "training"), provider_failures():
                result = await self._deps.provider.train(
                    TrainingRequest(user_id=request.user_id, photo_set_hash=request.photo_set_hash, photos=photos,
                                    trigger_word=model.trigger_word, resume_ref=details.provider_ref,
                                    tag=model.provider_tag),
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
            FluxModel.provider == self._deps.provider.name, FluxModel.base_model == self._deps.provider.base_model)
        try:
            async with session_scope(self._deps.sessions) as session:
                model = (await session.exec(query)).first()
                if model is None:
                    model = FluxModel(user_id=request.user_id, provider=self._deps.provider.name,
                                      base_model=self._deps.provider.base_model, photo_set_hash=request.photo_set_hash)
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

    async def _started_training_ref(self, model_id: int) -> str | None:
        """The provider job an earlier, interrupted try started for this model (see `_record_started`)."""
        async with session_scope(self._deps.sessions) as session:
            training = await _open_training(session, model_id)
            return training.provider_ref if training is not None else None

    async def _record_started(self, model_id: int, provider_ref: str) -> None:
        """Keep the paid job's id in the database before waiting on it: a retry whose heartbeat details were lost
        resumes it instead of paying for another training."""
        async with session_scope(self._deps.sessions) as session:
            training = await _open_training(session, model_id) or Training(flux_model_id=model_id)
            if training.provider_ref != provider_ref:
                training.provider_ref, training.started_at = provider_ref, utcnow()
                session.add(training)

    async def _record_success(self, model_id: int, job_id: int, result: TrainingResult) -> None:
        async with session_scope(self._deps.sessions) as session:
            model = await session.get(FluxModel, model_id)
            assert model is not None
            model.status, model.version_ref, model.error, model.updated_at = (
                ModelStatus.ready, result.model_ref, None, utcnow())
            session.add(model)
            training = await _open_training(session, model_id) or Training(flux_model_id=model_id)
            training.provider_ref, training.status, training.cost_usd, training.finished_at = (
                result.provider_ref, ModelStatus.ready, result.cost_usd, utcnow())
            session.add(training)
            job = await session.get(Job, job_id)
            if job is not None:
                job.flux_model_id = model_id
                session.add(job)
            await add_job_cost(session, job_id, result.cost_usd)

    async def _record_failure(self, model_id: int, provider_ref: str | None, error: str) -> None:
        async with session_scope(self._deps.sessions) as session:
            model = await session.get(FluxModel, model_id)
            assert model is not None
            model.status, model.error, model.updated_at = ModelStatus.failed, error, utcnow()
            session.add(model)
            training = await _open_training(session, model_id) or Training(flux_model_id=model_id)
            training.provider_ref, training.status, training.error, training.finished_at = (
                provider_ref, ModelStatus.failed, error, utcnow())
            session.add(training)


async def _open_training(session: AsyncSession, model_id: int) -> Training | None:
    """The model's training still under way (or cut off by a crash), if any."""
    return (await session.exec(select(Training).where(Training.flux_model_id == model_id,
                                                      Training.status == ModelStatus.training)
                               .order_by(col(Training.id).desc()))).first()
