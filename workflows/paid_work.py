"""The workflow's paid provider steps: a model trained on the customer's photos, and one synthesis of a variant.
Decisions only; the work (create, wait for the pushed completion, collect) is in the provider activities, on the
provider task queue whose rate limit is the account's create budget for every worker together (docs/scaling.md).

Both steps were part of workflows/calendar_generation.py; moved here unchanged, so running generations replay as
they were recorded (tests/workflows/test_replay.py).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from contracts import activities as act
    from contracts.activities import FailureType
    from contracts.messages import GenerateVariantInput, GenerationPlan, TrainedModel, TrainModelInput, VariantResult
    from contracts.variations import variant_seed, variation_for
    from workflows.models import GenerationInput
    from workflows.steps import failure_type, reason

TRAINING_ATTEMPTS = 2  # paid trainings per generation when the first ends without a model


async def train(input: GenerationInput, request: TrainModelInput, retry: RetryPolicy) -> TrainedModel:
    for fresh_trainings_left in reversed(range(TRAINING_ATTEMPTS)):
        try:
            return await workflow.execute_activity(
                act.train_model, request, retry_policy=retry,
                task_queue=input.provider_task_queue, start_to_close_timeout=timedelta(hours=2),
                heartbeat_timeout=input.heartbeat_timeout,
                schedule_to_close_timeout=input.retry.outage_tolerance)
        except ActivityError as err:
            # A paid training that ended without a model (a GPU fault, say) gets one fresh try; refusals don't.
            if failure_type(err) != FailureType.provider_job_failed or not fresh_trainings_left:
                raise
            workflow.logger.warning("training failed, starting a fresh one: %s", reason(err))
    raise AssertionError("unreachable: the last attempt returns or raises")


def variant_request(input: GenerationInput, plan: GenerationPlan, model: TrainedModel, number: int, attempt: int,
                    custom_prompt: str | None) -> GenerateVariantInput:
    photo_ids = plan.photo_ids
    # The theme's prompt takes the customer's words given at the start, then those of a regeneration.
    custom_prompt = ", ".join(p for p in (input.custom_prompt, custom_prompt) if p) or None
    return GenerateVariantInput(
        job_id=input.job_id, user_id=input.user_id, template_id=input.template_id,
        variant_number=number, attempt=attempt, source_photo_id=photo_ids[(number - 1) % len(photo_ids)],
        model_ref=model.model_ref, prompt=plan.prompt, variation=variation_for(number),
        custom_prompt=custom_prompt, preview=input.preview,
        seed=variant_seed(plan.photo_set_hash, plan.theme, number, attempt),
    )


async def synthesize(input: GenerationInput, request: GenerateVariantInput, retry: RetryPolicy) -> VariantResult:
    return await workflow.execute_activity(
        act.generate_variant, request, retry_policy=retry,
        task_queue=input.provider_task_queue, start_to_close_timeout=timedelta(minutes=15),
        heartbeat_timeout=input.heartbeat_timeout,
        schedule_to_close_timeout=input.retry.outage_tolerance,
        summary=f"variant {request.variant_number}, attempt {request.attempt}",
        # On cancel, wait until the synthesis really stopped, so none stores a variant after clean-up.
        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    )
