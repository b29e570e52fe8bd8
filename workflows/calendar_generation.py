"""CalendarGenerationWorkflow: the customer's journey from photos to a finished calendar (seed steps 3-7).

1. training            — train (or reuse) a model on the customer's photos
2. generating          — 24 styled variants, never more than `max_parallel` at once; rejected ones replaced;
                         each scored, one that doesn't show the customer replaced within a budget, the best 12
                         recommended (workflows/scoring.py)
3. ready_for_selection — wait up to 7 days for the `select` signal; the `regenerate_variant` update replaces
                         single variants meanwhile
4. finalizing          — the 12 chosen variants become a calendar, the rest are deleted, the small ones are
                         upscaled for print (workflows/print_upscale.py), the PDF is rendered
   (no selection in time → expired: every variant deleted; cancelled → the same clean-up)
Money (workflows/settlement.py): the price reserved at the start is charged on delivery (3.), pro rata for fewer
variants, and refunded in full when the run ends before; regenerations beyond the free ones are charged.

All I/O happens in activities; this file only decides what happens next. The failure model (docs/architecture.md):
idempotent database and storage work is retried through outages for hours; paid work resumes the same paid job, and
only a provider's refusal uses up a variant attempt; an accepted selection is finished, never undone by a cancel;
every ending records a terminal status, and what can't be recorded is repaired by the job reconciler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts import search_attributes as sa
    from contracts.activities import FailureType
    from contracts.messages import (
        DeleteVariantsInput,
        FinalizeInput,
        GenerationPlan,
        JobUpdate,
        NotificationKind,
        PlanRequest,
        RegenerationMark,
        RenderInput,
        TrainedModel,
        TrainModelInput,
        VariantFailure,
        VariantResult,
        VariantSlot,
    )
    from contracts.selection import SelectionProblem, regeneration_problem, selection_problem
    from contracts.vocabulary import WORKFLOW_NAME, Stage
    from workflows import notifications as notices
    from workflows import paid_work as paid
    from workflows.models import (
        REGENERATE_UPDATE,
        RENDER_HEARTBEAT_TIMEOUT,
        SELECT_SIGNAL,
        STATUS_QUERY,
        STEP_HEARTBEAT_TIMEOUT,
        GenerationInput,
        GenerationResult,
        GenerationStatus,
        RegenerateRequest,
        RegenerateVariant,
        RegenerationAccepted,
        Selection,
        SelectionOutcome,
    )
    from workflows.print_upscale import upscale_for_print
    from workflows.scoring import PATCH_VARIANT_SCORING, VariantScoring
    from workflows.settlement import Settlement
    from workflows.steps import PROVIDER_REFUSALS, STEP_TEXT, failure_type, progress_of, reason, run_all, shielded

MIN_VARIANTS_FOR_CALENDAR = 12
# Behaviour added while generations were running (they wait up to 7 days): runs that started before a change
# replay the old way, new runs take the new one.
PATCH_REGENERATION_MARKS = "regeneration-marks-variant"
PATCH_REPORT_REFUSED_SELECTION = "report-refused-selection"
PATCH_STOP_ON_ACCOUNT_REFUSAL = "stop-on-account-refusal"
# A variant's synthesis records the job's progress (activities/job_rows.py): an activity fewer per variant.
PATCH_PROGRESS_WITH_VARIANT = "progress-with-variant"

Arg = TypeVar("Arg")
Result = TypeVar("Result")


@workflow.defn(name=WORKFLOW_NAME)
class CalendarGenerationWorkflow:
    @workflow.init
    def __init__(self, input: GenerationInput) -> None:
        self._input = input
        self._stage = Stage.pending
        self._progress = 0
        self._slots = asyncio.Semaphore(input.max_parallel)
        self._plan: GenerationPlan | None = None
        self._model: TrainedModel | None = None
        self._variants: dict[int, VariantResult] = {}  # by variant number
        self._attempts: dict[int, int] = {}  # highest attempt started, by variant number
        self._pending_selection: Selection | None = None
        self._selection_outcome: SelectionOutcome | None = None
        self._regenerations_used = 0
        self._regenerating: set[int] = set()  # variant numbers being replaced right now
        self._calendar_id: int | None = None
        self._error: str | None = None
        self._cancel_refused = False
        self._account_refused: ActivityError | None = None  # set once the provider refused our account
        self._scoring: VariantScoring | None = None  # runs started before scoring existed replay without it
        self._money = Settlement(input)  # the reserved price: charged on delivery, else refunded
        # Idempotent work is retried for hours (the outage tolerance); paid work too, but a refusal is final.
        self._durable_retry = input.retry.policy(FailureType.invalid_input)
        self._provider_retry = input.retry.policy(*PROVIDER_REFUSALS, first_interval=timedelta(seconds=2))

    @workflow.run
    async def run(self, input: GenerationInput) -> GenerationResult:
        self._money.begin()
        try:
            self._plan = await self._durable(act.load_generation_plan, PlanRequest(
                job_id=input.job_id, user_id=input.user_id, template_id=input.template_id, photo_ids=input.photo_ids))
            await self._enter(Stage.training)
            if workflow.patched(PATCH_VARIANT_SCORING):
                self._scoring = VariantScoring(input, self._durable_retry)
                await self._scoring.prepare_references(self._plan.photo_ids)
            self._model = await self._train_model()

            await self._enter(Stage.generating)
            await run_all(self._produce_variant(n) for n in range(1, input.variant_count + 1))
            needed = min(MIN_VARIANTS_FOR_CALENDAR, input.variant_count)
            if len(self._variants) < needed:
                await self._fail(f"only {len(self._variants)} of {input.variant_count} variants could be "
                                 f"generated; a calendar needs {needed}")
            if self._scoring:
                await self._scoring.recommend()
            await self._money.deliver(len(self._variants))
            selection = await self._await_selection()
        except (asyncio.CancelledError, ActivityError) as err:
            if isinstance(err, ActivityError) and not isinstance(err.cause, CancelledError):
                await self._fail(reason(err))
            # The customer (API DELETE) or an operator (Temporal UI) cancelled before choosing — seen as a cancelled
            # activity when it arrived during one: clean up, then end cancelled.
            await self._shielded(self._end_without_calendar(Stage.cancelled))
            raise asyncio.CancelledError from err
        if selection is None:
            await self._shielded(self._end_without_calendar(Stage.expired))
        else:
            # The choice is accepted: a cancel arriving from now on is reported, never obeyed halfway.
            await self._shielded(self._make_calendar(selection))
        return GenerationResult(job_id=input.job_id, stage=self._stage, calendar_id=self._calendar_id,
                                error=self._error, cancel_refused=self._cancel_refused)

    # --- signal, update and query ------------------------------------------------------------------------------

    @workflow.signal(name=SELECT_SIGNAL)
    def select(self, selection: Selection) -> None:
        # Held even when it arrives early: it is checked once every variant is known.
        self._pending_selection = selection

    @workflow.update(name=REGENERATE_UPDATE)
    async def regenerate_variant(self, request: RegenerateVariant) -> RegenerationAccepted:
        problem = self._regeneration_problem(request.variant_id)  # again: another update may have run meanwhile
        if problem:
            raise ApplicationError(problem.message, type=problem.code)
        number = self._number_of(request.variant_id)
        assert number is not None
        self._regenerations_used += 1
        self._regenerating.add(number)
        ordinal = self._regenerations_used
        try:
            await self._money.charge_regeneration(ordinal)  # a paid one is refused here when the balance is short
        except ApplicationError:
            self._regenerations_used -= 1
            self._regenerating.discard(number)
            raise
        # Answer only once the database shows the variant as regenerating: what the API then reads agrees.
        await self._mark_regenerating(number, regenerating=True)
        self._background(self._regenerate(number, request.custom_prompt, ordinal))
        return RegenerationAccepted(variant_id=request.variant_id, variant_number=number,
                                    regenerations_left=self._input.max_regenerations - self._regenerations_used)

    @regenerate_variant.validator
    def _validate_regeneration(self, request: RegenerateVariant) -> None:
        problem = self._regeneration_problem(request.variant_id)
        if problem:
            raise ApplicationError(problem.message, type=problem.code)

    @workflow.signal(name="regenerate")
    async def regenerate(self, request: RegenerateRequest) -> None:
        """The signal runs started before `regenerate_variant` existed may still receive (and replay)."""
        if self._regeneration_problem(request.variant_id) is None:
            number = self._number_of(request.variant_id)
            assert number is not None
            self._regenerations_used += 1
            await self._produce_variant(number, custom_prompt=request.custom_prompt, replacing=True)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> GenerationStatus:
        return GenerationStatus(
            job_id=self._input.job_id, stage=self._stage, progress=self._progress,
            current_step=self._step_text(self._stage), variants_ready=len(self._variants),
            variant_count=self._input.variant_count,
            regenerations_left=self._input.max_regenerations - self._regenerations_used,
            regenerating_variant_ids=sorted(self._variants[n].variant_id for n in self._regenerating),
            calendar_id=self._calendar_id, error=self._error, selection=self._selection_outcome,
            cancel_refused=self._cancel_refused)

    # --- the steps -----------------------------------------------------------------------------------------------

    async def _train_model(self) -> TrainedModel:
        assert self._plan is not None
        return await paid.train(self._input, TrainModelInput(
            job_id=self._input.job_id, user_id=self._input.user_id, photo_ids=self._plan.photo_ids,
            photo_set_hash=self._plan.photo_set_hash), self._provider_retry)

    async def _produce_variant(self, number: int, *, custom_prompt: str | None = None,
                               replacing: bool = False) -> bool:
        """One variant, with up to `max_variant_replacements` fresh attempts after the provider refused one or the
        likeness guard replaced one. False when every attempt was refused."""
        assert self._plan is not None and self._model is not None
        kept = False  # a variant the guard sent back stays if its replacement cannot be made
        for attempts_left in reversed(range(self._input.max_variant_replacements + 1)):
            attempt = self._attempts.get(number, -1) + 1
            self._attempts[number] = attempt
            request = paid.variant_request(self._input, self._plan, self._model, number, attempt, custom_prompt)
            try:
                async with self._slots:
                    # A refused account (bad token, no credit) fails every other create too: start none of them.
                    if self._account_refused and workflow.patched(PATCH_STOP_ON_ACCOUNT_REFUSAL):
                        raise self._account_refused
                    result = await paid.synthesize(self._input, request, self._provider_retry)
            except ActivityError as err:
                if isinstance(err.cause, CancelledError):
                    raise asyncio.CancelledError from err  # the workflow is being cancelled: no new attempts
                if failure_type(err) == FailureType.provider_account:
                    self._account_refused = err
                    raise  # no attempt can pass until a person fixes the account: the generation fails with why
                workflow.logger.warning("variant %s attempt %s failed: %s", number, attempt, reason(err))
                if not replacing:
                    failure = VariantFailure(**request.model_dump(include=set(VariantSlot.model_fields)),
                                             error=reason(err))
                    await self._durable(act.mark_variant_failed, failure)
                continue
            self._variants[number] = result
            if self._stage == Stage.generating:
                await self._enter(Stage.generating, recorded=workflow.patched(PATCH_PROGRESS_WITH_VARIANT))
            if self._scoring is None or not await self._scoring.needs_replacement(result,
                                                                                  attempts_left=attempts_left > 0):
                return True
            replacing = kept = True
        if kept and self._scoring is not None:
            await self._scoring.keep(self._variants[number])  # its replacements were all refused
        return kept

    async def _regenerate(self, number: int, custom_prompt: str | None, ordinal: int) -> None:
        try:
            try:
                replaced = await self._produce_variant(number, custom_prompt=custom_prompt, replacing=True)
                why = "the image provider refused every attempt"
                if replaced and self._scoring:
                    await self._scoring.recommend()
            except ActivityError as err:  # e.g. the provider account was refused: the old image is still good
                replaced, why = False, reason(err)
            if not replaced:  # the old image stays, ready to be chosen, with the reason the new one failed
                await self._money.refund_regeneration(ordinal)
                await self._mark_regenerating(number, regenerating=False,
                                              error=f"regeneration failed ({why}); the previous image is kept")
        finally:
            self._regenerating.discard(number)

    async def _await_selection(self) -> Selection | None:
        """Wait for a valid selection until the deadline; None when the customer did not choose in time."""
        deadline = workflow.now() + self._input.selection_timeout
        await self._enter(Stage.ready_for_selection, expires_at=deadline)
        if workflow.patched(notices.PATCH_NOTIFICATIONS):
            self._background(notices.variants_ready_then_reminder(
                self._input, deadline, chosen=lambda: self._stage != Stage.ready_for_selection))
        while True:
            remaining = deadline - workflow.now()
            try:
                await workflow.wait_condition(lambda: self._pending_selection is not None,
                                              timeout=max(remaining, timedelta(0)))
            except TimeoutError:
                return None
            # A regeneration may be replacing a chosen variant: let it finish before the ids are checked.
            await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._regenerating)
            selection, self._pending_selection = self._pending_selection, None
            assert selection is not None
            problem = self._selection_problem(selection)
            self._selection_outcome = SelectionOutcome(
                selection_id=selection.selection_id, accepted=problem is None,
                problem_code=problem.code if problem else None, problem=problem.message if problem else None)
            if problem is None:
                return selection
            workflow.logger.warning("selection refused: %s", problem.message)
            self._error = f"selection refused: {problem.message}"
            if workflow.patched(PATCH_REPORT_REFUSED_SELECTION):
                await self._enter(Stage.ready_for_selection, expires_at=deadline)

    async def _make_calendar(self, selection: Selection) -> None:
        await self._enter(Stage.finalizing)
        self._error = None
        finalized = await self._durable(act.finalize_calendar, FinalizeInput(
            job_id=self._input.job_id, user_id=self._input.user_id, template_id=self._input.template_id,
            year=self._input.year, locale=self._input.locale, selections=selection.selections))
        self._calendar_id = finalized.calendar_id
        await self._delete_variants()
        await upscale_for_print(self._input, finalized.calendar_id, self._provider_retry)
        try:
            await self._durable(act.render_calendar, RenderInput(calendar_id=finalized.calendar_id,
                                                                 user_id=self._input.user_id),
                                start_to_close=timedelta(minutes=10), heartbeat=RENDER_HEARTBEAT_TIMEOUT)
        except ActivityError as err:
            # The renderer refused for good: the chosen months are kept (an edit renders again), operators see why.
            await self._fail(f"the calendar could not be rendered: {reason(err)}")
        await self._enter(Stage.completed, progress=100)
        if workflow.patched(notices.PATCH_NOTIFICATIONS):
            await notices.notify(self._input, NotificationKind.calendar_ready, calendar_id=self._calendar_id)

    async def _end_without_calendar(self, stage: Stage) -> None:
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._regenerating)
        await self._delete_variants()
        await self._money.refund_undelivered()
        await self._enter(stage)

    async def _fail(self, why: str) -> NoReturn:
        self._error = why
        workflow.logger.error("generation failed: %s", why)  # the customer sees a code; operators see why
        await self._shielded(self._delete_variants())
        await self._shielded(self._money.refund_undelivered())
        await self._shielded(self._enter(Stage.failed))
        # Failing the run (not just returning) makes the failure visible to operators in Temporal UI.
        raise ApplicationError(why, type="GenerationFailed", non_retryable=True)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _number_of(self, variant_id: int) -> int | None:
        return next((n for n, v in self._variants.items() if v.variant_id == variant_id), None)

    def _regeneration_problem(self, variant_id: int) -> SelectionProblem | None:
        number = self._number_of(variant_id)
        return regeneration_problem(
            variant_id, choosing=self._stage == Stage.ready_for_selection and self._pending_selection is None,
            stage=self._stage, ready=number is not None, used=self._regenerations_used,
            allowed=self._input.max_regenerations, regenerating=number in self._regenerating)

    def _selection_problem(self, selection: Selection) -> SelectionProblem | None:
        return selection_problem(
            selection.selections, allow_repeats=self._input.preview,
            ready_variant_ids={v.variant_id for v in self._variants.values()},
            regenerating_variant_ids={self._variants[n].variant_id for n in self._regenerating})

    async def _delete_variants(self) -> None:
        # Once a calendar exists its months' images are never deleted (the activity also refuses to).
        await self._durable(act.delete_variants, DeleteVariantsInput(
            job_id=self._input.job_id, user_id=self._input.user_id, keep_selected=self._calendar_id is not None))

    async def _mark_regenerating(self, number: int, *, regenerating: bool, error: str | None = None) -> None:
        if workflow.patched(PATCH_REGENERATION_MARKS):
            await self._durable(act.mark_variant_regenerating, RegenerationMark(
                job_id=self._input.job_id, user_id=self._input.user_id, variant_number=number,
                regenerating=regenerating, error=error))

    async def _enter(self, stage: Stage, *, progress: int | None = None, expires_at: datetime | None = None,
                     recorded: bool = False) -> None:
        """Operators see where the run is (search attributes, the Temporal UI's details line) and the job row says it
        too — unless an activity already `recorded` it there (a variant's synthesis records the progress it makes)."""
        self._stage = stage
        self._progress = progress if progress is not None else progress_of(
            stage, self._progress, ready=len(self._variants), total=self._input.variant_count)
        attributes = sa.generation_attributes(stage=stage, progress=self._progress, user_id=self._input.user_id,
                                              theme=self._plan.theme if self._plan else None)
        workflow.upsert_search_attributes([pair.key.value_set(pair.value) for pair in attributes])
        workflow.set_current_details(self._step_text(stage))  # the Temporal UI shows it: "12/24 variants ready"
        if recorded:
            return
        await self._durable(act.record_job_update, JobUpdate(
            job_id=self._input.job_id, user_id=self._input.user_id, stage=stage, progress=self._progress,
            current_step=self._step_text(stage), error=self._error,
            flux_model_id=self._model.flux_model_id if self._model else None, calendar_id=self._calendar_id,
            expires_at=expires_at))

    def _step_text(self, stage: Stage) -> str:
        return STEP_TEXT[stage].format(ready=len(self._variants), total=self._input.variant_count)

    async def _durable(self, activity: Callable[[Arg], Awaitable[Result]], arg: Arg, *,
                       start_to_close: timedelta = timedelta(seconds=60),
                       heartbeat: timedelta = STEP_HEARTBEAT_TIMEOUT) -> Result:
        return await workflow.execute_activity(
            activity, arg, retry_policy=self._durable_retry, start_to_close_timeout=start_to_close,
            schedule_to_close_timeout=self._input.retry.outage_tolerance, heartbeat_timeout=heartbeat)

    async def _shielded(self, step: Coroutine[Any, Any, Result]) -> Result:
        """Run a step to its end even if the run is cancelled meanwhile: clean-up and a calendar being made are
        never abandoned halfway. The cancel is remembered and reported."""
        return await shielded(step, self._refuse_cancel)

    def _refuse_cancel(self) -> None:
        self._cancel_refused = True
        workflow.logger.warning("cancel requested while %s: finishing that first", self._stage)

    def _background(self, step: Coroutine[Any, Any, None]) -> None:
        # The workflow's event loop keeps its tasks alive; self._regenerating tracks them for clean-up and selection.
        asyncio.ensure_future(step)  # noqa: RUF006

