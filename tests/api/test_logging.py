"""Structured logs: every API line carries its request id, lines of a request about a generation its workflow and
job id, activity lines the job and attempt; JSON on demand, readable text by default; tokens never logged."""

from __future__ import annotations

import io
import json
import logging

from temporalio.testing import ActivityEnvironment

from ops.logs import configure_logging, log_context
from settings import Settings
from testkit.api import add_job, register, running_api


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]



async def test_json_access_lines_carry_the_request_and_workflow_ids(database: Settings) -> None:
    settings = database.model_copy(update={"log_format": "json"})
    async with running_api(settings) as api:
        buffer = io.StringIO()
        configure_logging("json", stream=buffer)
        headers = await register(api, "logs@example.com")
        job = await add_job(api, headers, workflow_id="calendar-generation-4242")
        answer = await api.get(f"/api/calendars/generate/{job}/status", headers={**headers, "X-Request-ID": "abc-1"})
        stream = await api.get(f"/api/calendars/generate/{job}/events?ticket=eyJsecret.part&x=1")
        minted = await api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    configure_logging("text")

    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == "abc-1"
    lines = _lines(buffer)
    status_line = next(line for line in lines if line.get("request_id") == "abc-1")
    assert status_line["logger"] == "calendary.access" and status_line["level"] == "INFO"
    assert status_line["route"] == "/api/calendars/generate/{job_id}/status" and status_line["status"] == 200
    assert status_line["workflow_id"] == "calendar-generation-4242" and status_line["job_id"] == job
    server_lines = json.dumps([line for line in lines if line["logger"] != "httpx"])  # httpx: the test's client
    assert "eyJsecret" not in server_lines and "ticket=[redacted]&x=1" in server_lines
    assert stream.headers["X-Request-ID"]
    assert minted.headers["X-Request-ID"] != "bad id with spaces" and len(minted.headers["X-Request-ID"]) == 32
    assert all(line.get("request_id") for line in lines if line["logger"] == "calendary.access")


def test_text_lines_end_with_their_context() -> None:
    buffer = io.StringIO()
    configure_logging("text", stream=buffer)
    with log_context(request_id="r-9", workflow_id="calendar-generation-7"):
        logging.getLogger("calendary.test").warning("the database is slow")
    configure_logging("text")
    assert buffer.getvalue().rstrip().endswith(
        "calendary.test: the database is slow [request_id=r-9 workflow_id=calendar-generation-7]")


async def test_activity_lines_carry_the_job_and_attempt() -> None:
    buffer = io.StringIO()
    configure_logging("json", stream=buffer)

    async def step() -> None:
        logging.getLogger("activities.test").info("variant stored")

    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "workflow_id": "calendar-generation-31", "attempt": 2,
                                     "activity_type": "generate_variant"})
    await env.run(step)
    configure_logging("text")
    (line,) = [line for line in _lines(buffer) if line["message"] == "variant stored"]
    assert (line["job_id"], line["attempt"], line["activity"]) == (31, 2, "generate_variant")
    assert line["workflow_id"] == "calendar-generation-31"
