"""POST /api/calendars/generate commits the job row before it starts the workflow, and a start that fails leaves a
row that tells the truth: `failed` with the reason when Temporal refused, `pending` for the reconciler when nobody
can know whether the run started."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from db.models import Job
from db.session import make_engine, make_session_factory
from settings import Settings
from testkit.api import register, upload_photos
from testkit.stack import build_stack
from testkit.temporal import start_dev_server


async def _jobs(settings: Settings) -> list[Job]:
    engine = make_engine(settings.database_url)
    async with make_session_factory(engine)() as session:
        jobs = list((await session.exec(select(Job))).all())
    await engine.dispose()
    return jobs


async def _generate(api, headers: dict[str, str]):  # noqa: ANN001, ANN202
    photos = await upload_photos(api, headers, count=3)
    template = (await api.get("/api/templates", headers=headers)).json()[0]
    return await api.post("/api/calendars/generate", headers=headers, json={
        "template_id": template["id"], "photo_ids": [p["id"] for p in photos], "preview": True})


async def test_a_start_temporal_refuses_marks_the_job_failed(tmp_path: Path, dev_server: WorkflowEnvironment) -> None:
    async for stack in build_stack(tmp_path, dev_server):
        # Another run already holds the id the first job will get (as after a database reset).
        squatter = await dev_server.client.start_workflow(
            "Squatter", id=f"{stack.settings.workflow_id_prefix}-1", task_queue=f"{stack.settings.task_queue}-none")
        try:
            headers = await register(stack.api)
            response = await _generate(stack.api, headers)
        finally:
            await squatter.terminate()

        assert response.status_code == 503 and response.json()["code"] == "generation_start_refused"
        [job] = await _jobs(stack.settings)
        assert job.status == "failed" and "refused to start" in (job.error or "")
        listed = (await stack.api.get("/api/calendars/generate", headers=headers)).json()
        assert [(j["job_id"], j["status"]) for j in listed] == [(job.id, "failed")]
        account = (await stack.api.get("/api/account", headers=headers)).json()
        assert account["balance_uah"] == stack.settings.signup_credit_kopiyky / 100  # the reservation came back
        assert [e["kind"] for e in account["entries"]] == ["refund", "reservation", "top_up"]


async def test_a_start_nobody_can_confirm_leaves_the_job_pending(tmp_path: Path) -> None:
    lost = await start_dev_server()  # a Temporal that goes away after the API has connected to it
    async for stack in build_stack(tmp_path, lost):
        await lost.shutdown()
        headers = await register(stack.api)
        response = await _generate(stack.api, headers)

        assert response.status_code == 202, response.text
        [job] = await _jobs(stack.settings)
        assert (response.json()["job_id"], response.json()["status"]) == (job.id, "pending")
        assert job.status == "pending" and job.workflow_id == f"{stack.settings.workflow_id_prefix}-{job.id}"
