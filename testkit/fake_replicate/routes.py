"""The HTTP surface of the fake Replicate (API v1), shaped the way the `replicate` 1.0.7 client parses it.

Bodies are read by hand rather than through pydantic models so that every error is problem+json
({title, detail, status}) like the hosted API's, never FastAPI's own 422 format.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from testkit.fake_replicate.faults import FaultMiddleware
from testkit.fake_replicate.state import TRAINER_MODEL, UPSCALER_MODEL, FakeState, Job, JobKind

if TYPE_CHECKING:
    from testkit.fake_replicate.server import FakeReplicate

_ASPECT_RATIOS = {"1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def parse_duration(text: str) -> float:
    """Go-style durations as Cancel-After takes them: "5m", "90s", "1m30s", "250ms"."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text.strip():
        raise Problem(400, "Invalid Cancel-After header", f"Could not parse duration {text!r}")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def validate_upscale_input(data: Any, state: FakeState) -> dict[str, Any]:
    """The checks the upscaler's schema would apply: an image that can be fetched, a scale of 0-10."""
    if not isinstance(data, dict):
        raise Problem(422, "Input validation failed", "- input: Invalid type. Expected: object")
    errors = []
    if state.file_for_url(str(data.get("image", ""))) is None:
        errors.append("- input.image: image is required (a URL we can fetch)")
    if not 0 < data.get("scale", 4) <= 10:
        errors.append("- input.scale: Must be between 0 and 10")
    if errors:
        raise Problem(422, "Input validation failed", "\n".join(errors))
    return data


def validate_prediction_input(data: Any) -> dict[str, Any]:
    """The checks the flux LoRA version's OpenAPI schema would apply to our inputs."""
    if not isinstance(data, dict):
        raise Problem(422, "Input validation failed", "- input: Invalid type. Expected: object")
    errors = []
    if not 1 <= data.get("num_outputs", 1) <= 4:
        errors.append("- input.num_outputs: Must be between 1 and 4")
    if not isinstance(data.get("prompt"), str) or not data["prompt"]:
        errors.append("- input.prompt: prompt is required")
    if not 0 <= data.get("prompt_strength", 0.8) <= 1:
        errors.append("- input.prompt_strength: Must be between 0 and 1")
    if not 1 <= data.get("num_inference_steps", 28) <= 50:
        errors.append("- input.num_inference_steps: Must be between 1 and 50")
    if data.get("megapixels", "1") not in ("1", "0.25"):
        errors.append('- input.megapixels: must be one of "1", "0.25"')
    if data.get("output_format", "webp") not in ("webp", "jpg", "png"):
        errors.append('- input.output_format: must be one of "webp", "jpg", "png"')
    if data.get("aspect_ratio", "1:1") not in _ASPECT_RATIOS:
        errors.append("- input.aspect_ratio: unsupported aspect ratio")
    if errors:
        raise Problem(422, "Input validation failed", "\n".join(errors))
    return data


def build_app(fake: FakeReplicate) -> Any:
    state = fake.state

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await fake.webhooks.start()
        ticker = asyncio.create_task(_tick(fake))
        yield
        ticker.cancel()
        await fake.webhooks.stop()

    app = FastAPI(lifespan=lifespan)

    @app.exception_handler(Problem)
    async def problem_response(_: Request, problem: Problem) -> JSONResponse:
        body = {"title": problem.title, "detail": problem.detail, "status": problem.status}
        return JSONResponse(body, status_code=problem.status, media_type="application/problem+json")

    def require_token(request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {fake.api_token}":
            raise Problem(401, "Unauthenticated", "You did not pass a valid authentication token")

    api = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

    def found(kind: JobKind, job_id: str) -> Job:
        job = state.get_job(kind, job_id)
        if job is None:
            raise Problem(404, "Not found", f"No {kind} with id {job_id}")
        return job

    def page(kind: JobKind, request: Request) -> dict[str, Any]:
        jobs = state.list_jobs(kind)
        offset = int(request.query_params.get("cursor", "0"))
        end = offset + state.page_size

        def link(position: int) -> str:
            return f"{fake.base_url}/v1/{kind}s?cursor={position}"

        return {
            "results": [state.render(job, for_listing=True) for job in jobs[offset:end]],
            "next": link(end) if end < len(jobs) else None,
            "previous": link(max(0, offset - state.page_size)) if offset > 0 else None,
        }

    async def create_prediction(request: Request, model: str, version: str) -> JSONResponse:
        body = await _json_body(request)
        cancel_after = request.headers.get("cancel-after")
        job = state.create_job(
            "prediction",
            model=model,
            version=version,
            input=(validate_upscale_input(body.get("input"), state) if model == UPSCALER_MODEL
                   else validate_prediction_input(body.get("input"))),
            webhook=body.get("webhook"),
            webhook_events_filter=body.get("webhook_events_filter"),
            cancel_after_seconds=parse_duration(cancel_after) if cancel_after else None,
        )
        await _honour_prefer_wait(fake, request, job)
        return JSONResponse(state.render(job), status_code=201)

    @api.post("/predictions")
    async def create_prediction_for_version(request: Request) -> JSONResponse:
        reference = (await _json_body(request)).get("version")
        resolved = state.find_version(str(reference)) if reference else None
        if resolved is None:
            raise Problem(422, "Invalid version or not permitted",
                          "The specified version does not exist (or perhaps you don't have permission to use it?)")
        return await create_prediction(request, *resolved)

    @api.post("/models/{owner}/{name}/predictions")
    async def create_prediction_for_model(owner: str, name: str, request: Request) -> JSONResponse:
        model = state.models.get(f"{owner}/{name}")
        if model is None:
            raise Problem(404, "Model not found", f"The model {owner}/{name} does not exist")
        return await create_prediction(request, model.key, model.versions[-1][0] if model.versions else "hidden")

    @api.get("/predictions")
    async def list_predictions(request: Request) -> dict[str, Any]:
        return page("prediction", request)

    @api.get("/predictions/{job_id}")
    async def get_prediction(job_id: str) -> dict[str, Any]:
        return state.render(found("prediction", job_id))

    @api.post("/predictions/{job_id}/cancel")
    async def cancel_prediction(job_id: str) -> dict[str, Any]:
        found("prediction", job_id)
        return state.render(state.cancel("prediction", job_id))  # type: ignore[arg-type]

    @api.post("/models/{owner}/{name}/versions/{version_id}/trainings")
    async def create_training(owner: str, name: str, version_id: str, request: Request) -> JSONResponse:
        if state.find_version(version_id) != (f"{owner}/{name}", version_id) or f"{owner}/{name}" != TRAINER_MODEL:
            raise Problem(404, "Not found", f"{owner}/{name}:{version_id} is not a trainable version")
        body = await _json_body(request)
        destination = body.get("destination")
        if not isinstance(destination, str) or destination not in state.models:
            raise Problem(404, "Destination not found", f"The destination model {destination!r} does not exist")
        data = body.get("input")
        if not isinstance(data, dict) or not data.get("input_images"):
            raise Problem(422, "Input validation failed", "- input.input_images: input_images is required")
        job = state.create_job(
            "training",
            model=f"{owner}/{name}",
            version=version_id,
            input=data,
            webhook=body.get("webhook"),
            webhook_events_filter=body.get("webhook_events_filter"),
            destination=destination,
        )
        return JSONResponse(state.render(job), status_code=201)

    @api.get("/trainings")
    async def list_trainings(request: Request) -> dict[str, Any]:
        return page("training", request)

    @api.get("/trainings/{job_id}")
    async def get_training(job_id: str) -> dict[str, Any]:
        return state.render(found("training", job_id))

    @api.post("/trainings/{job_id}/cancel")
    async def cancel_training(job_id: str) -> dict[str, Any]:
        found("training", job_id)
        return state.render(state.cancel("training", job_id))  # type: ignore[arg-type]

    @api.post("/files")
    async def upload_file(request: Request) -> JSONResponse:
        form = await request.form()
        content = form.get("content")
        if content is None or isinstance(content, str):
            raise Problem(400, "Bad request", "Multipart field `content` is required")
        metadata = json.loads(str(form.get("metadata") or "{}"))
        stored = state.store_file(
            content.filename or "file", content.content_type or "application/octet-stream",
            await content.read(), metadata,
        )
        return JSONResponse(state.render_file(stored), status_code=201)

    @api.get("/files/{file_id}")
    async def get_file(file_id: str) -> dict[str, Any]:
        stored = state.files.get(file_id)
        if stored is None:
            raise Problem(404, "Not found", f"No file with id {file_id}")
        return state.render_file(stored)

    @api.post("/models")
    async def create_model(request: Request) -> JSONResponse:
        body = await _json_body(request)
        owner, name = body.get("owner"), body.get("name")
        if not owner or not name or body.get("visibility") not in ("public", "private") or not body.get("hardware"):
            raise Problem(422, "Invalid model", "owner, name, visibility (public|private) and hardware are required")
        if f"{owner}/{name}" in state.models:
            raise Problem(409, "Model already exists", f"A model named {owner}/{name} already exists")
        model = state.ensure_model(f"{owner}/{name}", visibility=body["visibility"], hardware=body["hardware"])
        model.description = body.get("description")
        return JSONResponse(state.render_model(model), status_code=201)

    @api.get("/models/{owner}/{name}")
    async def get_model(owner: str, name: str) -> dict[str, Any]:
        model = state.models.get(f"{owner}/{name}")
        if model is None:
            raise Problem(404, "Not found", f"The model {owner}/{name} does not exist")
        return state.render_model(model)

    @api.get("/webhooks/default/secret")
    async def webhook_secret() -> dict[str, str]:
        return {"key": fake.webhooks.secret}

    app.include_router(api)

    @app.get("/files/{path:path}")
    async def download_output(path: str) -> Response:
        stored = state.outputs.get(path)
        if stored is None:
            raise Problem(404, "Not found", f"No output file {path}")
        return Response(content=stored[0], media_type=stored[1])

    @app.post("/_sink/webhooks")
    async def webhook_sink(request: Request) -> Response:
        status = fake.sink.receive(dict(request.headers), await request.body(), request.url.query)
        return Response(status_code=status)

    return FaultMiddleware(app, fake.faults)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise Problem(400, "Invalid JSON", "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise Problem(400, "Invalid JSON", "The request body must be a JSON object")
    return body


async def _honour_prefer_wait(fake: FakeReplicate, request: Request, job: Job) -> None:
    """`Prefer: wait=N` holds the create response until the job is done or N seconds have passed."""
    match = re.search(r"\bwait(?:=(\d+))?", request.headers.get("prefer", ""))
    if match is None:
        return
    give_up_at = time.time() + min(int(match.group(1) or 60), 60)
    while time.time() < give_up_at and fake.state.get_job(job.kind, job.id) and not job.is_terminal:
        await asyncio.sleep(0.01)


async def _tick(fake: FakeReplicate) -> None:
    """Moves jobs along even when nobody polls, and delivers the webhooks their transitions queued."""
    deliveries: set[asyncio.Task[None]] = set()
    while True:
        fake.state.advance_all()
        with fake.state.lock:
            events = list(fake.state.pending_events)
            fake.state.pending_events.clear()
            payloads = [(job.webhook, job.webhook_events_filter, event, fake.state.render(job))
                        for job, event in events]
        for url, events_filter, event, payload in payloads:
            if url and fake.webhooks.wants(event, events_filter):
                task = asyncio.create_task(fake.webhooks.deliver(url, event, payload))
                deliveries.add(task)
                task.add_done_callback(deliveries.discard)
        await asyncio.sleep(0.005)
