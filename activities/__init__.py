"""Temporal activities: thin, idempotent steps that touch the database, storage and the image provider.

Each implements a stub of `contracts.activities` under the same name (tests/contracts checks the signatures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio.client import Client

from activities.calendars import CalendarActivities
from activities.deps import ActivityDeps
from activities.jobs import JobActivities
from activities.ledger import LedgerActivities
from activities.notifications import NotificationActivities
from activities.print_upscale import PrintUpscaleActivities
from activities.reconciler import ReconcilerActivities
from activities.scoring import ScoringActivities
from activities.synthesis import SynthesisActivities
from activities.training import TrainingActivities
from activities.variants import VariantActivities


def all_activities(deps: ActivityDeps, temporal: Client) -> list[Callable[..., Any]]:
    """Activities of the main task queue: database, storage and rendering work, and the job reconciler."""
    jobs, synthesis = JobActivities(deps), SynthesisActivities(deps)
    variants, calendars, money = VariantActivities(deps), CalendarActivities(deps), LedgerActivities(deps)
    return [
        jobs.load_generation_plan,
        jobs.record_job_update,
        synthesis.mark_variant_failed,
        synthesis.mark_variant_regenerating,
        variants.delete_variants,
        calendars.finalize_calendar,
        calendars.render_calendar,
        NotificationActivities(deps).send_notification,
        ScoringActivities(deps).recommend_variants,
        money.settle_generation,
        money.charge_regeneration,
        money.refund_regeneration,
        ReconcilerActivities(deps, temporal).reconcile_jobs,
    ]


def provider_activities(deps: ActivityDeps) -> list[Callable[..., Any]]:
    """Activities that call the (paid, rate-limited) image provider."""
    training, synthesis = TrainingActivities(deps), SynthesisActivities(deps)
    return [training.train_model, synthesis.generate_variant, PrintUpscaleActivities(deps).upscale_selected]


def scoring_activities(deps: ActivityDeps) -> list[Callable[..., Any]]:
    """CPU-bound scoring (face models, image measures) on its own queue, computed in the worker's process pool."""
    scoring = ScoringActivities(deps)
    return [scoring.prepare_reference_faces, scoring.score_variant]
