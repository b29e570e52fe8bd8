"""Calendar generation (seed §4, §7): start the workflow, follow it, choose 12 variants, regenerate, cancel."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, NoReturn

from fastapi import APIRouter, Header, Response, status
from sqlmodel import select
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import billing
from api.deps import (
    CurrentUserDep,
    IdPath,
    LatencyMediansDep,
    OwnedJob,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    StorageDep,
    TemporalDep,
)
from api.openapi import raises
from api.pagination import NEXT_PAGE_HEADER, PageDep
from api.problems import (
    CUSTOM_PROMPT_REFUSED,
    DAILY_SPEND_LIMIT,
    GENERATION_FINISHED,
    GENERATION_NOT_CANCELLABLE,
    GENERATION_START_REFUSED,
    GENERATION_WRONG_STAGE,
    IDEMPOTENCY_KEY_REUSED,
    INSUFFICIENT_CREDIT,
    NOT_FOUND,
    PHOTOS_REPEATED,
    PHOTOS_REQUIRED,
    PHOTOS_UNKNOWN,
    PROVIDER_BUDGET_REACHED,
    QUOTE_EXPIRED,
    QUOTE_MISMATCH,
    REGENERATION_REFUSALS,
    SELECTION,
    SELECTION_REFUSALS,
    TEMPLATE_UNKNOWN,
    TOO_MANY_GENERATIONS,
    TOO_MANY_PHOTOS,
    WORKFLOW_SERVICE_UNAVAILABLE,
    ApiProblem,
)
from api.rate_limits import LimiterDep
from api.schemas import (
    CalendarGenerationStatusDto,
    CalendarVariantDto,
    GenerateCalendarRequest,
    GenerationStarted,
    RegenerateVariantRequest,
    RegenerationStarted,
    SelectCalendarVariantsRequest,
    UserCalendarDto,
)
from api.views import calendar_dto, status_dto, status_dtos, variant_dtos
from contracts.prompts import refused_words
from contracts.selection import SelectionCode, selection_problem
from contracts.vocabulary import SELECTION_ACCEPTED_STAGES, Stage, workflow_id_for
from db.models import (
    TERMINAL_JOB_STATUSES,
    GeneratedCalendarVariant,
    Job,
    JobStatus,
    UserCalendar,
    VariantStatus,
    utcnow,
)
from services import ledger
from services.eta import quote_seconds
from services.generations import start_generation_workflow
from workflows.models import (
    INSUFFICIENT_CREDIT_REFUSAL,
    REGENERATE_UPDATE,
    SELECT_SIGNAL,
    STATUS_QUERY,
    GenerationStatus,
    RegenerateVariant,
    RegenerationAccepted,
    Selection,
    SelectionOutcome,
)

router = APIRouter(prefix="/api/calendars/generate", tags=["generations"])
log = logging.getLogger(__name__)

# Temporal's answers that mean "refused: nothing was started". Anything else — a deadline, a connection lost
# mid-call, an internal or unknown error — leaves open whether the workflow started.
_START_REFUSED = frozenset({
    RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.NOT_FOUND, RPCStatusCode.ALREADY_EXISTS,
    RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNAUTHENTICATED, RPCStatusCode.FAILED_PRECONDITION,
    RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.OUT_OF_RANGE, RPCStatusCode.UNIMPLEMENTED,
})


def _handle(temporal: Client, job: Job) -> WorkflowHandle:
    assert job.workflow_id is not None
    return temporal.get_workflow_handle(job.workflow_id)


def _status_url(job_id: int) -> str:
    return f"/api/calendars/generate/{job_id}/status"


def _require_stage(job: Job, wanted: JobStatus, action: str) -> None:
    if job.status == wanted:
        return
    if job.status in TERMINAL_JOB_STATUSES:
        raise _finished(job)
    raise ApiProblem(GENERATION_WRONG_STAGE, f"generation {job.id} is {job.status}; {action} only when it is {wanted}",
                     params={"status": job.status})


def _finished(job: Job) -> ApiProblem:
    return ApiProblem(GENERATION_FINISHED, f"generation {job.id} is already {job.status}",
                      params={"status": job.status})


IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=128,
    description="any unique string per generation: a start repeated with it answers the same job, starting and "
                "reserving nothing again")]


def _check_prompt(custom_prompt: str | None) -> None:
    words = refused_words(custom_prompt or "")
    if words:
        raise ApiProblem(CUSTOM_PROMPT_REFUSED, f"the prompt asks for content we don't make: {', '.join(words)}",
                         params={"words": ", ".join(words)})


@router.post("", summary="Start generating variants (answers at once; follow status_url)",
             status_code=status.HTTP_202_ACCEPTED)
@raises(TEMPLATE_UNKNOWN, PHOTOS_REQUIRED, TOO_MANY_PHOTOS, PHOTOS_REPEATED, PHOTOS_UNKNOWN, CUSTOM_PROMPT_REFUSED,
        QUOTE_MISMATCH, QUOTE_EXPIRED, IDEMPOTENCY_KEY_REUSED, INSUFFICIENT_CREDIT, TOO_MANY_GENERATIONS,
        DAILY_SPEND_LIMIT, PROVIDER_BUDGET_REACHED, GENERATION_START_REFUSED)
async def start_generation(body: GenerateCalendarRequest, user: CurrentUserDep, session: SessionDep,
                           temporal: TemporalDep, settings: SettingsDep, limiter: LimiterDep,
                           idempotency_key: IdempotencyKey = None) -> GenerationStarted:
    """Reserves the price (the quote's, when `quote_id` names a valid one); it is charged when the variants are
    delivered, pro rata when fewer than ordered are, and refunded in full when the generation fails or is cancelled
    before that. Expiry after delivery refunds nothing."""
    template = await billing.validate_request(body, user.id, session, settings)
    _check_prompt(body.custom_prompt)
    await limiter.hit("generate", user.id)  # counts starts that would cost something, not typos
    price = await billing.quoted_price(session, user.id, body.quote_id, template, body.photo_ids, body.preview,
                                       settings)
    client = await temporal.client()  # before the row: with Temporal down, nothing is stored and 503 says why
    variant_count = billing.variant_count(settings, body.preview)
    eta_seconds, needs_training = await quote_seconds(
        session, settings.provider, user_id=user.id, photo_ids=body.photo_ids, variant_count=variant_count,
        parallel=settings.max_parallel, preview=body.preview)
    # The account stays locked until the commit: a repeat with the same key waits, then finds this job.
    await ledger.lock_account(session, user.id)
    if idempotency_key is not None and (repeated := await _repeated_start(session, user.id, idempotency_key, body)):
        return _started(repeated, eta_seconds)
    await billing.admit(session, user.id, price, settings)
    job = Job(user_id=user.id, template_id=template.id, photo_ids=body.photo_ids, preview=body.preview,
              variant_count=variant_count, year=body.year or datetime.now(UTC).year + 1, locale=body.locale,
              title=(body.title or "").strip() or None, needs_training=needs_training, custom_prompt=body.custom_prompt,
              price_kopiyky=price, idempotency_key=idempotency_key)
    session.add(job)
    await session.flush()
    job.workflow_id = workflow_id_for(job.id, settings.workflow_id_prefix)
    await billing.reserve(session, job)
    # The row and its reservation are committed before the workflow starts (a failed commit answers 503/409 and
    # starts nothing): the workflow's activities always find their row, and a start that never happened leaves a
    # `pending` row behind, never a workflow without its row.
    await session.commit()
    try:
        await start_generation_workflow(client, job, settings, theme=template.theme)
    except RPCError as err:
        if err.status in _START_REFUSED:
            await _start_refused(session, job, err)
        # Unknown whether Temporal started the run. The committed row stays `pending` for the job reconciler, which
        # looks up workflow {job.workflow_id} and starts it if it does not exist; the client follows the job as
        # after any start (202) rather than retrying into a second, paid generation.
        log.warning("start of %s unconfirmed, left pending for the reconciler: %s", job.workflow_id, err)
    except WorkflowAlreadyStartedError as err:  # a run of another job holds the id (e.g. a database reset)
        await _start_refused(session, job, err)
    return _started(job, eta_seconds)


def _started(job: Job, eta_seconds: int | None = None) -> GenerationStarted:
    """`eta_seconds`: the estimate made for this start (or for its repeat: the same photos, the same answer)."""
    assert job.workflow_id is not None
    return GenerationStarted(job_id=job.id, workflow_id=job.workflow_id, status=Stage(job.status),
                             status_url=_status_url(job.id), eta_seconds=eta_seconds,
                             needs_training=job.needs_training)


async def _repeated_start(session: SessionDep, user_id: int, key: str, body: GenerateCalendarRequest) -> Job | None:
    job = (await session.exec(select(Job).where(Job.user_id == user_id, Job.idempotency_key == key))).first()
    if job is not None and (job.template_id, sorted(job.photo_ids), job.preview) != \
            (body.template_id, sorted(body.photo_ids), body.preview):
        raise ApiProblem(IDEMPOTENCY_KEY_REUSED, f"Idempotency-Key {key!r} started generation {job.id}, of another "
                                                 "theme, photo set or preview choice", params={"job_id": job.id})
    return job


async def _start_refused(session: SessionDep, job: Job, err: Exception) -> NoReturn:
    """Temporal refused the start: the row says so and the reservation is refunded (committed before the answer),
    and the client is told 503."""
    job.status, job.error = JobStatus.failed, f"the workflow service refused to start it: {err}"
    job.updated_at = job.completed_at = utcnow()
    await ledger.settle(session, job.id, job.user_id, delivered=0, total=job.variant_count)
    await session.commit()
    log.warning("the workflow service refused to start %s: %s", job.workflow_id, err)
    raise ApiProblem(GENERATION_START_REFUSED, "could not start the generation, please try again") from None


@router.get("", summary="List my generations (newest first, paginated, without variants)",
            responses={200: {"headers": NEXT_PAGE_HEADER, "description": "a page of generations"}})
async def list_generations(user: CurrentUserDep, session: SessionDep, medians: LatencyMediansDep,
                           settings: SettingsDep, page: PageDep) -> list[CalendarGenerationStatusDto]:
    jobs = page.rows((await session.exec(page.select(select(Job).where(Job.user_id == user.id), Job.id,
                                                     newest_first=True))).all())
    return await status_dtos(session, jobs, medians, settings)


@router.get("/{job_id}/status", summary="Read a generation's status and variants")
async def generation_status(job: OwnedJob, session: SessionDep, storage: StorageDep, medians: LatencyMediansDep,
                            settings: SettingsDep) -> CalendarGenerationStatusDto:
    """Answers from the database, so it works while the worker (or Temporal) is down."""
    return await status_dto(session, job, storage, medians, settings)


@router.get("/{job_id}/variants", summary="List a generation's variants")
async def generation_variants(job: OwnedJob, session: SessionDep, storage: StorageDep,
                              settings: SettingsDep) -> list[CalendarVariantDto]:
    return await variant_dtos(session, job.id, storage, settings)


@router.post("/{job_id}/select", summary="Choose 12 variants, one per month (makes the calendar)",
             responses={202: {"model": GenerationStarted,
                              "description": "accepted, the calendar is still being made: follow `status_url`"}})
@raises(GENERATION_WRONG_STAGE, GENERATION_FINISHED, *SELECTION_REFUSALS)
async def select_variants(job: OwnedJob, body: SelectCalendarVariantsRequest, response: Response,
                          session: SessionDep, sessions: SessionFactoryDep, temporal: TemporalDep,
                          storage: StorageDep, settings: SettingsDep) -> UserCalendarDto | GenerationStarted:
    _require_stage(job, JobStatus.ready_for_selection, "variants can be selected")
    rows = (await session.exec(select(GeneratedCalendarVariant.id, GeneratedCalendarVariant.status).where(
        GeneratedCalendarVariant.job_id == job.id))).all()
    picks = [s.pick() for s in body.selections]
    problem = selection_problem(
        picks, allow_repeats=job.preview, ready_variant_ids={i for i, s in rows if s == VariantStatus.ready},
        regenerating_variant_ids={i for i, s in rows if s == VariantStatus.regenerating})
    if problem:
        raise ApiProblem(SELECTION[problem.code], problem.message)

    handle = _handle(await temporal.client(), job)
    selection_id = uuid.uuid4().hex
    await handle.signal(SELECT_SIGNAL, Selection(selections=picks, selection_id=selection_id))
    try:
        async with asyncio.timeout(settings.select_wait_seconds):
            outcome = await _outcome_of(handle, selection_id)
            if not outcome.accepted:  # refused by the workflow (a regeneration began meanwhile): say so now
                kind = SELECTION[outcome.problem_code or SelectionCode.selection_variant_unknown]
                raise ApiProblem(kind, f"selection refused: {outcome.problem}")
            await handle.result()
    except (TimeoutError, RPCError, WorkflowFailureError):  # slow, unreachable or failed: the status URL tells
        response.status_code = status.HTTP_202_ACCEPTED
        return GenerationStarted(job_id=job.id, workflow_id=handle.id, status=JobStatus.finalizing,
                                 status_url=_status_url(job.id))
    async with sessions() as fresh:
        calendar = (await fresh.exec(select(UserCalendar).where(UserCalendar.job_id == job.id))).one()
        return await calendar_dto(fresh, calendar, storage, settings)


async def _outcome_of(handle: WorkflowHandle, selection_id: str) -> SelectionOutcome:
    """What the workflow decided about this selection, as soon as it has (it checks it within a workflow task)."""
    while True:
        current: GenerationStatus = await handle.query(STATUS_QUERY, result_type=GenerationStatus)
        if current.selection is not None and current.selection.selection_id == selection_id:
            return current.selection
        await asyncio.sleep(0.05)


@router.post("/{job_id}/variants/{variant_id}/regenerate", summary="Replace one variant with a new image",
             status_code=status.HTTP_202_ACCEPTED)
@raises(NOT_FOUND, GENERATION_WRONG_STAGE, GENERATION_FINISHED, CUSTOM_PROMPT_REFUSED, INSUFFICIENT_CREDIT,
        *REGENERATION_REFUSALS)
async def regenerate_variant(job: OwnedJob, variant_id: IdPath, body: RegenerateVariantRequest, session: SessionDep,
                             temporal: TemporalDep) -> RegenerationStarted:
    """Accepted only when the workflow accepts it: a spent budget, a variant already regenerating or not ready, or a
    generation no longer choosing is refused at once."""
    variant = await session.get(GeneratedCalendarVariant, variant_id)
    if variant is None or variant.job_id != job.id:
        raise ApiProblem(NOT_FOUND, f"variant {variant_id} not found in generation {job.id}",
                         params={"resource": "variant", "id": variant_id})
    _require_stage(job, JobStatus.ready_for_selection, "variants can be regenerated")
    _check_prompt(body.custom_prompt)
    try:
        accepted = await _handle(await temporal.client(), job).execute_update(
            REGENERATE_UPDATE, RegenerateVariant(variant_id=variant_id, custom_prompt=body.custom_prompt),
            result_type=RegenerationAccepted)
    except WorkflowUpdateFailedError as err:
        # The workflow refuses with a SelectionCode as the error's type and a sentence it wrote itself.
        refusal = err.cause
        if isinstance(refusal, ApplicationError) and refusal.type in SELECTION:
            raise ApiProblem(SELECTION[refusal.type], refusal.message) from None
        if isinstance(refusal, ApplicationError) and refusal.type == INSUFFICIENT_CREDIT_REFUSAL:
            raise ApiProblem(INSUFFICIENT_CREDIT, refusal.message) from None
        # Not a refusal: the update itself failed (e.g. its database write): the customer may simply try again.
        log.warning("regeneration of variant %s in %s failed: %s", variant_id, job.workflow_id, refusal)
        raise ApiProblem(WORKFLOW_SERVICE_UNAVAILABLE, "the regeneration could not be started; please try again") \
            from None
    return RegenerationStarted(job_id=job.id, variant_id=variant_id, regenerations_left=accepted.regenerations_left,
                               status_url=_status_url(job.id))


@router.delete("/{job_id}", summary="Cancel a generation before its selection", status_code=status.HTTP_202_ACCEPTED)
@raises(GENERATION_FINISHED, GENERATION_NOT_CANCELLABLE)
async def cancel_generation(job: OwnedJob, temporal: TemporalDep) -> GenerationStarted:
    if job.status in TERMINAL_JOB_STATUSES:
        raise _finished(job)
    if job.status in SELECTION_ACCEPTED_STAGES:
        raise ApiProblem(GENERATION_NOT_CANCELLABLE, f"generation {job.id} is {job.status}: your selection was "
                                                     "accepted and the calendar is being made; it can't be cancelled")
    handle = _handle(await temporal.client(), job)
    await handle.cancel()
    return GenerationStarted(job_id=job.id, workflow_id=handle.id, status=Stage(job.status),
                             status_url=_status_url(job.id))
