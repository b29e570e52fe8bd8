"""How long a generation will take, from what the service measured: the one estimator behind the quote before
starting, the start answer and every status (`eta_seconds`).

The figures are medians of the provider's recent work, read from the database: trainings (Training.started_at →
finished_at), syntheses (GeneratedCalendarVariant.synthesis_seconds, previews apart: they are smaller images) and
first renders (UserCalendar.created_at → rendered_at). A generation is a training when the photos have no trained
model yet, then ceil(variants / parallelism) waves of syntheses; after the customer's choice, the render.
Until a provider has done some work, DEFAULTS stand in for the measurements."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.variations import photo_set_hash
from contracts.vocabulary import Stage
from db.models import FluxModel, GeneratedCalendarVariant, Job, ModelStatus, Training, UploadedFile, UserCalendar

RECENT = 50  # samples per median: recent enough to follow a provider getting slower or faster


@dataclass(frozen=True)
class Latencies:
    """Seconds one step takes on a provider (medians)."""

    training: float
    synthesis: float
    preview_synthesis: float
    render: float


# Before anything was measured: the local stylizer works in seconds; Replicate's LoRA trainer takes ~20 minutes
# and a flux-dev image ~30 s (docs/replicate.md).
DEFAULTS: dict[str, Latencies] = {
    "local": Latencies(training=1, synthesis=3, preview_synthesis=1, render=5),
    "replicate": Latencies(training=20 * 60, synthesis=30, preview_synthesis=15, render=5),
}


def _median(samples: list[float], default: float) -> float:
    return statistics.median(samples) if samples else default


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    # SQLite hands back naive datetimes; every stored moment is UTC.
    later, earlier = (m if m.tzinfo else m.replace(tzinfo=UTC) for m in (later, earlier))
    return max((later - earlier).total_seconds(), 0.0)


async def measured_latencies(session: AsyncSession, provider: str) -> Latencies:
    """Four queries, whatever the number of jobs asked about."""
    default = DEFAULTS.get(provider, DEFAULTS["replicate"])
    trainings = (await session.exec(
        select(Training.started_at, Training.finished_at).join(FluxModel, col(FluxModel.id) == Training.flux_model_id)
        .where(FluxModel.provider == provider, Training.status == ModelStatus.ready,
               col(Training.finished_at).is_not(None))
        .order_by(col(Training.id).desc()).limit(RECENT))).all()
    syntheses = {}
    for preview in (False, True):
        syntheses[preview] = list((await session.exec(
            select(GeneratedCalendarVariant.synthesis_seconds)
            .join(Job, col(Job.id) == GeneratedCalendarVariant.job_id)
            .join(FluxModel, col(FluxModel.id) == Job.flux_model_id)
            .where(FluxModel.provider == provider, Job.preview == preview,
                   col(GeneratedCalendarVariant.synthesis_seconds).is_not(None))
            .order_by(col(GeneratedCalendarVariant.id).desc()).limit(RECENT))).all())
    renders = (await session.exec(
        select(UserCalendar.created_at, UserCalendar.rendered_at).where(UserCalendar.render_revision == 1)
        .order_by(col(UserCalendar.id).desc()).limit(RECENT))).all()
    return Latencies(
        training=_median([s for a, b in trainings if (s := _seconds(b, a)) is not None], default.training),
        synthesis=_median([s for s in syntheses[False] if s is not None], default.synthesis),
        preview_synthesis=_median([s for s in syntheses[True] if s is not None], default.preview_synthesis),
        render=_median([s for a, b in renders if (s := _seconds(b, a)) is not None], default.render))


MEASUREMENTS_TTL_SECONDS = 60.0


class LatencyMedians:
    """`measured_latencies`, re-read from the database at most once per `ttl_seconds` per provider: every status
    answer and every live-stream tick carries an ETA, and the medians move slowly (each is over the last RECENT
    samples), so not four queries per answer. One per API process, owned by the app (`app.state.latencies`) and
    bound to its one database."""

    def __init__(self, ttl_seconds: float = MEASUREMENTS_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._read: dict[str, tuple[float, Latencies]] = {}

    async def recent(self, session: AsyncSession, provider: str) -> Latencies:
        now = time.monotonic()
        cached = self._read.get(provider)
        if cached is None or now - cached[0] >= self._ttl:
            cached = self._read[provider] = (now, await measured_latencies(session, provider))
        return cached[1]


def estimate_seconds(latencies: Latencies, *, variants_left: int, parallel: int, preview: bool,
                     training_left: float = 0.0) -> int:
    """Seconds until the variants are ready: training still to do, then the waves of syntheses (at most
    `parallel` at once)."""
    synthesis = latencies.preview_synthesis if preview else latencies.synthesis
    waves = math.ceil(max(variants_left, 0) / max(parallel, 1))
    return max(math.ceil(training_left + waves * synthesis), 1)


async def training_needed(session: AsyncSession, provider: str, user_id: int, photo_ids: list[int]) -> bool:
    """No ready model of this provider is trained on exactly these photos (training_activities reuses one)."""
    hashes = (await session.exec(select(UploadedFile.sha256).where(
        col(UploadedFile.id).in_(photo_ids), UploadedFile.user_id == user_id))).all()
    ready = (await session.exec(select(FluxModel.id).where(
        FluxModel.user_id == user_id, FluxModel.provider == provider, FluxModel.status == ModelStatus.ready,
        FluxModel.photo_set_hash == photo_set_hash(list(hashes))))).first()
    return ready is None


async def quote_seconds(session: AsyncSession, provider: str, *, user_id: int, photo_ids: list[int],
                        variant_count: int, parallel: int, preview: bool) -> tuple[int, bool]:
    """Seconds from start to the variants ready to choose from, for a generation not started yet, and whether it
    needs a training."""
    latencies = await measured_latencies(session, provider)
    needs_training = await training_needed(session, provider, user_id, photo_ids)
    return estimate_seconds(latencies, variants_left=variant_count, parallel=parallel, preview=preview,
                            training_left=latencies.training if needs_training else 0.0), needs_training


def job_eta_seconds(latencies: Latencies, job: Job, ready_variants: int, parallel: int,
                    now: datetime | None = None) -> int | None:
    """Seconds until the job's next result: the variants while they are made, the calendar while it finalizes;
    None while it waits for the customer's choice or has ended."""
    stage = Stage(job.status)
    if stage in (Stage.pending, Stage.training):
        elapsed = _seconds(now or datetime.now(UTC), job.created_at) or 0.0
        training_left = max(latencies.training - elapsed, 0.0) if job.needs_training and job.flux_model_id is None \
            else 0.0
        return estimate_seconds(latencies, variants_left=job.variant_count, parallel=parallel, preview=job.preview,
                                training_left=training_left)
    if stage == Stage.generating:
        return estimate_seconds(latencies, variants_left=job.variant_count - ready_variants, parallel=parallel,
                                preview=job.preview)
    if stage == Stage.finalizing:
        return max(math.ceil(latencies.render), 1)
    return None
