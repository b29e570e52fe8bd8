"""The whole journey through the API with CALENDARY_PROVIDER=replicate, against a fake Replicate that misbehaves:
every variant is paid for exactly once, the 12 chosen images are upscaled for print once each, costs add up, and
webhooks end waits early."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from db.models import GeneratedCalendarVariant, Job, Training, UploadedFile, UserCalendar, VariantStatus
from imaging.providers.replicate_upscale import AI_UPSCALE
from testkit.fake_replicate.server import NSFW_ERROR, FakeReplicate, Fault
from testkit.fake_replicate.state import UPSCALER_VERSION
from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.replicate_stack import TIMED_OUT_DELAY, replicate_stack
from tests.replicate_e2e.conftest import webhook_events

VARIANTS = 24
LOST_WEBHOOKS = 6
PREDICTION_FAULTS = {
    # create: rejected before anything exists (5xx, 429 + Retry-After) or created and billed with the answer lost
    "create_prediction": [Fault.server_error(500), None, Fault.throttled(retry_after=1), None,
                          Fault.dropped_response(), None, Fault.server_error(503), None,
                          Fault.delayed_response(TIMED_OUT_DELAY), None, Fault.dropped_response()],
    "get_prediction": [Fault.server_error(500), None, Fault.throttled(retry_after=0), None, Fault.server_error(502)],
    "list_predictions": [None, None, Fault.server_error(500)],
    "upload_file": [None, None, Fault.server_error(500)],  # the 1st upload is the training's photo archive
    "download_output": [None, Fault.server_error(503)],
}


async def test_24_variants_paid_once_each_under_faults_then_a_calendar(
    tmp_path: Path, dev_server: WorkflowEnvironment, fake: FakeReplicate
) -> None:
    for route, faults in PREDICTION_FAULTS.items():
        fake.faults.plan(route, *faults)
    fake.faults.lose_next_responses("create_training")
    fake.script_predictions("succeed", "succeed", "succeed", "nsfw")
    fake.set_training_timing(starting_seconds=0.05, processing_seconds=0.3)
    # The training's and five predictions' webhooks are lost: those jobs are read on their own (through the read
    # faults above) after half a second; the batched reconciler is kept out of the way.
    fake.webhooks.lose_next = LOST_WEBHOOKS
    async with replicate_stack(tmp_path, dev_server, fake, replicate={
            "push_list_interval_seconds": 60, "push_read_after_seconds": 0.5}) as stack:
        api = stack.api
        async with stack.worker():
            headers, started = await start_generation(api)
            job_id = started["job_id"]
            status = (await wait_for_status(api, headers, job_id, "ready_for_selection", seconds=60))[-1]
            variants = (await api.get(f"/api/calendars/generate/{job_id}/variants", headers=headers)).json()
            chosen = pick_twelve(variants)
            answer = await api.post(f"/api/calendars/generate/{job_id}/select", headers=headers,
                                    json={"selections": chosen})
            assert answer.status_code in (200, 202), answer.text
            await wait_for_status(api, headers, job_id, "completed", seconds=60)

        for route in (*PREDICTION_FAULTS, "create_training"):
            assert fake.faults.pending(route) == 0, f"planned {route} faults were not all hit"
        assert status["generated_variants_count"] == VARIANTS

        # Paid: one training, and one prediction per tag (variant attempt): 24 good ones + the NSFW one replaced,
        # then one upscale per chosen image (the fake's 64 px variants need the upscaler's ×4).
        assert fake.billed_trainings() == 1
        per_tag = fake.billed_predictions_per_tag()
        assert set(per_tag.values()) == {1}, f"duplicate predictions: {per_tag}"
        upscales = [job for job in fake.predictions() if job.version == UPSCALER_VERSION]
        predictions = {job.tag: job for job in fake.predictions() if job not in upscales}
        rejected = [job for job in predictions.values() if job.status == "failed"]
        assert [job.error for job in rejected] == [NSFW_ERROR]
        assert len(upscales) == 12 and {job.input["scale"] for job in upscales} == {4}
        assert fake.billed_predictions() == VARIANTS + len(rejected) + len(upscales)
        assert all(job.status == "succeeded" for job in [*predictions.values(), *upscales] if job not in rejected)

        async with stack.deps.sessions() as session:
            training = (await session.exec(select(Training))).one()
            job = await session.get(Job, job_id)
            rows = (await session.exec(select(GeneratedCalendarVariant).where(
                GeneratedCalendarVariant.job_id == job_id))).all()
            calendar = await session.get(UserCalendar, job.calendar_id)
            files = (await session.exec(select(UploadedFile).where(
                col(UploadedFile.id).in_([r.generated_file_id for r in rows])))).all()
        # The webhook, not the minute-long poll, ended the training's wait.
        assert (training.finished_at - training.started_at).total_seconds() < 10
        assert training.provider_ref == fake.trainings()[0].id and training.cost_usd > 0

        # The 12 chosen variants remain; each knows its prediction and what it cost.
        assert len(rows) == 12 and all(r.status == VariantStatus.ready for r in rows)
        by_id = {prediction.id: prediction for prediction in predictions.values()}
        for row in rows:
            prediction = by_id[row.provider_ref]
            # tags name the run, the variant and the attempt: unique across runs and deployments
            assert prediction.tag.startswith(f"{job.workflow_id}.") and \
                prediction.tag.endswith(f".v{row.variant_number}.a{row.attempt}")
            run_seconds = prediction.completed_at - prediction.started_at
            assert row.cost_usd == pytest.approx(run_seconds * 0.001525, abs=1e-6)
        paid_for_variants = sum(
            (p.completed_at - p.started_at) * 0.001525 for p in predictions.values() if p not in rejected)
        paid_for_upscales = sum((p.completed_at - p.started_at) * 0.000225 for p in upscales)
        assert job.cost_usd == pytest.approx(training.cost_usd + paid_for_variants + paid_for_upscales, abs=1e-5)

        # Each chosen image prints from its AI-upscaled copy, and the render report says so on every page.
        assert all(f.print_key and f.print_method.startswith(AI_UPSCALE) for f in files)
        assert {u.tag.rpartition(".")[2] for u in upscales} == {f"print{f.id}x4" for f in files}
        assert calendar is not None and all(page["upscaled_with"].startswith(AI_UPSCALE)
                                            for page in calendar.render_report)

        # Every job's completion that was sent arrived as a verified webhook and was stored once.
        events = await webhook_events(stack)
        every_job = {("training", training.provider_ref)} | \
            {("prediction", p.id) for p in [*predictions.values(), *upscales]}
        assert {(e.kind, e.provider_ref) for e in events} <= every_job
        assert fake.webhooks.lost == LOST_WEBHOOKS and len(events) == len(every_job) - LOST_WEBHOOKS
        assert len({e.webhook_id for e in events}) == len(events)
        refused = [d for d in fake.webhooks.deliveries if d.status_code != 200]
        assert not refused, refused
