"""How the workflow describes where it is (step text, progress) and reads the failures its activities report."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from temporalio.exceptions import ActivityError, ApplicationError

from contracts.activities import FailureType
from contracts.vocabulary import Stage

Result = TypeVar("Result")

# The customer's journey as the page's step bar numbers it (api/web/js/app.js STEP_KEYS, the locales' `steps.*`):
# the workflow runs steps 3-5 of it, and its own step text counts the same way, so the Temporal UI, the job's
# `current_step` and the page never disagree ("Step 4 of 5 · Pick 12").
JOURNEY_STEPS = ("Photos", "Theme", "Generation", "Pick 12", "Calendar")


def _step(name: str, doing: str) -> str:
    return f"Step {JOURNEY_STEPS.index(name) + 1} of {len(JOURNEY_STEPS)} · {name}: {doing}"

STEP_TEXT = {
    Stage.pending: _step("Generation", "getting ready"),
    Stage.training: _step("Generation", "training the model on your photos"),
    Stage.generating: _step("Generation", "generating variants ({ready}/{total})"),
    Stage.ready_for_selection: _step("Pick 12", "choose 12 variants, one for each month"),
    Stage.finalizing: _step("Calendar", "creating your calendar"),
    Stage.completed: "Your calendar is ready",
    Stage.expired: "Expired: no selection was made in time, the variants were deleted",
    Stage.cancelled: "Cancelled: the variants were deleted",
    Stage.failed: "Failed",  # why is in the job's `error`, which has no length limit
}

_FIXED_PROGRESS = {Stage.pending: 0, Stage.training: 5, Stage.ready_for_selection: 90, Stage.finalizing: 95,
                   Stage.completed: 100}


def progress_of(stage: Stage, current: int, *, ready: int, total: int) -> int:
    """0-100: training 5, generating 10-90 by the variants ready, then 90, 95, 100; endings keep the last value."""
    if stage == Stage.generating:
        return 10 + 80 * ready // total
    return _FIXED_PROGRESS.get(stage, current)


_OUR_FAILURES = frozenset(kind.value for kind in FailureType)
# A provider's refusal is final for this attempt; everything else (timeouts, 5xx, 429, database, storage) is retried.
PROVIDER_REFUSALS = (FailureType.invalid_input, FailureType.content_rejected, FailureType.provider_job_failed,
                     FailureType.provider_account)


def failure_type(err: ActivityError) -> str | None:
    """The `ApplicationError.type` an activity failed with (FailureType), if it failed that way."""
    cause = err.cause
    return cause.type if isinstance(cause, ApplicationError) else None


def reason(err: BaseException) -> str:
    """Why an activity failed, in words a person can act on: the message of our own typed failure (it says what to
    fix, e.g. which setting), else the innermost message — the database's or the provider's own words, not
    Temporal's wrapper text."""
    while err.__cause__ is not None:
        if isinstance(err, ApplicationError) and err.type in _OUR_FAILURES:
            break
        err = err.__cause__
    return str(getattr(err, "message", None) or err)


async def run_all(coroutines: Iterable[Coroutine[Any, Any, Any]]) -> None:
    """Run concurrently; unlike plain gather, a cancellation returns only once every coroutine has stopped, so
    clean-up never races a synthesis that is still storing its image."""
    for outcome in await asyncio.gather(*coroutines, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


async def shielded(step: Coroutine[Any, Any, Result], refused: Callable[[], None]) -> Result:
    """Await `step` to its end even if the run is cancelled meanwhile; `refused()` is called for each cancel."""
    task = asyncio.ensure_future(step)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                raise
            refused()
