"""The time estimate: medians of what the provider measured, the training counted in only when the photos have no
trained model, the waves of syntheses by the parallelism — through the quote, the start answer and the status."""

from __future__ import annotations

import math
from datetime import timedelta

import httpx

from contracts.variations import photo_set_hash
from db.models import (
    FluxModel,
    GeneratedCalendarVariant,
    Job,
    ModelStatus,
    Training,
    UploadedFile,
    User,
    VariantStatus,
    utcnow,
)
from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope
from services.eta import DEFAULTS, Latencies, job_eta_seconds, measured_latencies, quote_seconds
from settings import Settings
from testkit.api import register, upload_photos

TRAININGS = [600.0, 1200.0, 900.0]
SYNTHESES = [30.0, 10.0, 20.0, 25.0]
PREVIEW_SYNTHESES = [4.0, 6.0]


async def _measured_history(session, provider: str) -> tuple[User, list[int], list[int]]:  # noqa: ANN001
    """A customer whose first photo set was trained on and generated from, and a second photo set never trained."""
    [template, *_] = await seed_templates(session)
    user = User(email="eta@example.com", password_hash="x")
    session.add(user)
    await session.flush()
    photos = [UploadedFile(user_id=user.id, kind="photo", storage_key=f"p{n}", content_type="image/jpeg", size=1,
                           width=1, height=1, sha256=f"{n:064x}") for n in range(5)]
    session.add_all(photos)
    await session.flush()
    trained, untrained = photos[:3], photos[3:]
    model = FluxModel(user_id=user.id, provider=provider, base_model="b", status=ModelStatus.ready,
                      photo_set_hash=photo_set_hash([p.sha256 for p in trained]))
    session.add(model)
    await session.flush()
    now = utcnow()
    session.add_all([Training(flux_model_id=model.id, status=ModelStatus.ready, started_at=now - timedelta(seconds=s),
                              finished_at=now) for s in TRAININGS])
    for preview, samples in ((False, SYNTHESES), (True, PREVIEW_SYNTHESES)):
        job = Job(user_id=user.id, template_id=template.id, photo_ids=[p.id for p in trained], year=2027,
                  variant_count=len(samples), preview=preview, flux_model_id=model.id)
        session.add(job)
        await session.flush()
        session.add_all([GeneratedCalendarVariant(
            user_id=user.id, job_id=job.id, template_id=template.id, source_photo_id=trained[0].id,
            variant_number=n, status=VariantStatus.ready, synthesis_seconds=s) for n, s in enumerate(samples, 1)])
    await session.flush()
    return user, [p.id for p in trained], [p.id for p in untrained]


async def test_the_estimate_is_made_of_the_providers_measured_medians(backend: Settings) -> None:
    engine = make_engine(backend.database_url)
    async with session_scope(make_session_factory(engine)) as session:
        user, trained, untrained = await _measured_history(session, "replicate")
        latencies = await measured_latencies(session, "replicate")
        assert (latencies.training, latencies.synthesis, latencies.preview_synthesis) == (900.0, 22.5, 5.0)
        assert await measured_latencies(session, "local") == DEFAULTS["local"]  # nothing measured there yet

        waves = math.ceil(24 / 4)
        assert await quote_seconds(session, "replicate", user_id=user.id, photo_ids=trained, variant_count=24,
                                   parallel=4, preview=False) == (math.ceil(waves * 22.5), False)
        assert await quote_seconds(session, "replicate", user_id=user.id, photo_ids=untrained, variant_count=24,
                                   parallel=4, preview=False) == (math.ceil(900 + waves * 22.5), True)
        assert (await quote_seconds(session, "replicate", user_id=user.id, photo_ids=untrained, variant_count=6,
                                    parallel=2, preview=True))[0] == math.ceil(900 + 3 * 5.0)
    await engine.dispose()


def test_a_jobs_estimate_follows_its_stage() -> None:
    latencies = Latencies(training=100, synthesis=10, preview_synthesis=2, render=7)
    job = Job(id=1, user_id=1, template_id=1, photo_ids=[], year=2027, variant_count=24, status="training",
              created_at=utcnow() - timedelta(seconds=40), needs_training=True)
    assert 120 <= job_eta_seconds(latencies, job, 0, 4) <= 121  # 60 s of training left, 6 waves of 10 s
    job.needs_training = False
    assert job_eta_seconds(latencies, job, 0, 4) == 60
    job.status = "generating"
    assert job_eta_seconds(latencies, job, 17, 4) == 20  # 7 left: two waves
    job.status = "finalizing"
    assert job_eta_seconds(latencies, job, 24, 4) == 7
    for waiting_or_done in ("ready_for_selection", "completed", "cancelled"):
        job.status = waiting_or_done
        assert job_eta_seconds(latencies, job, 24, 4) is None


async def test_the_quote_over_http_before_anything_was_measured(app_client: httpx.AsyncClient, seeded: list,
                                                                 database: Settings) -> None:
    headers = await register(app_client)
    photos = [p["id"] for p in await upload_photos(app_client, headers, count=3)]
    template = (await app_client.get("/api/templates", headers=headers)).json()[0]
    quote = await app_client.post("/api/calendars/quote", headers=headers,
                                  json={"template_id": template["id"], "photo_ids": photos})
    assert quote.status_code == 200, quote.text
    local = DEFAULTS["local"]
    waves = math.ceil(database.variant_count / database.max_parallel)
    answer = quote.json()
    assert (answer["variant_count"], answer["price_uah"], answer["model"], answer["eta_seconds"]) == (
        database.variant_count, template["price"], "train", math.ceil(local.training + waves * local.synthesis))
    refused = await app_client.post("/api/calendars/quote", headers=headers,
                                    json={"template_id": template["id"], "photo_ids": []})
    assert refused.status_code == 422 and refused.json()["code"] == "photos_required"


