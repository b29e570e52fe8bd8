"""The in-memory world of the fake Replicate: jobs (predictions and trainings), files, models and counters.

A job's progress is a pure function of wall-clock time since its creation, so every reader sees a consistent
status without background work. `advance()` applies that function, and queues the webhook events of each
transition for the server's delivery loop (whoever happened to advance the job: a poll or the ticker).

The server thread mutates this state while tests read counters from their own thread: one lock guards it all.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from testkit.fake_replicate.outputs import synthesized_images, upscaled_png, zip_has_images

JobKind = Literal["prediction", "training"]

# What a scripted job will do once it has "run": the fault catalogue of the fake.
Outcome = Literal["succeed", "nsfw", "fail", "bad_input", "stuck", "abort"]

NSFW_ERROR = "NSFW content detected. Try running it again, or try a different prompt."
BAD_INPUT_ERROR = "No images found in input_images. Upload a zip file containing .jpg or .png images."
GENERIC_ERROR = "CUDA error: an illegal memory access was encountered"
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled", "aborted"})
TRAINER_MODEL = "ostris/flux-dev-lora-trainer"
TRAINER_VERSION = "e440909d3512c31646ee2e0c7d6f6f4923224863a6a10c494606e79fb5844497"
TAG_QUERY_PARAM = "tag"
# The print upscaler (imaging/providers/replicate_upscale.py): its output is the input image enlarged `scale` times.
UPSCALER_MODEL = "nightmareai/real-esrgan"
UPSCALER_VERSION = "f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa"


def new_id(length: int = 26) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def tag_of_webhook(webhook: str | None) -> str | None:
    if not webhook:
        return None
    values = parse_qs(urlsplit(webhook).query).get(TAG_QUERY_PARAM)
    return values[0] if values else None


@dataclass
class Timing:
    """How long a job sits in `starting`, then in `processing`, before its outcome."""

    starting_seconds: float
    processing_seconds: float


@dataclass
class Job:
    kind: JobKind
    id: str
    model: str
    version: str
    input: dict[str, Any]
    outcome: Outcome
    timing: Timing
    created_at: float
    webhook: str | None = None
    webhook_events_filter: list[str] | None = None
    cancel_after_seconds: float | None = None
    destination: str | None = None  # trainings only
    status: str = "starting"
    output: Any = None
    error: str | None = None
    logs: str = ""
    started_at: float | None = None
    completed_at: float | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def tag(self) -> str | None:
        return tag_of_webhook(self.webhook)


@dataclass
class StoredFile:
    id: str
    name: str
    content_type: str
    data: bytes
    created_at: float
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeModel:
    owner: str
    name: str
    visibility: str = "private"
    hardware: str = "cpu"
    description: str | None = None
    versions: list[tuple[str, float]] = field(default_factory=list)  # (id, created_at), oldest first

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.name}"


class FakeState:
    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url
        self.lock = threading.RLock()
        self.prediction_timing = Timing(starting_seconds=0.02, processing_seconds=0.05)
        self.training_timing = Timing(starting_seconds=0.02, processing_seconds=0.1)
        # flux makes `num_outputs` images one after another on one GPU: each output beyond the first adds this to the
        # processing time (so to the predict_time a trained version bills by the second; bench/batch_outputs.py).
        self.extra_output_seconds = 0.0
        self.page_size = 100
        self.list_omits_webhook = False  # the hosted list endpoint may not echo `webhook`: test the fallback
        self.jobs: dict[str, Job] = {}
        self.files: dict[str, StoredFile] = {}
        self.outputs: dict[str, tuple[bytes, str]] = {}  # path under /files/ -> (bytes, content type)
        self.models: dict[str, FakeModel] = {}
        from testkit.fake_replicate.erasure import ErasureState  # here: erasure.py imports this module

        self.erasure = ErasureState()  # deletions of versions, models and files (erasure.py)
        self.pending_events: deque[tuple[Job, str]] = deque()
        self._scripted: dict[JobKind, deque[Outcome]] = {"prediction": deque(), "training": deque()}
        self.ensure_model(TRAINER_MODEL, visibility="public", hardware="gpu-h100")
        self.add_version(TRAINER_MODEL, TRAINER_VERSION)
        self.ensure_model("black-forest-labs/flux-dev", visibility="public", hardware="gpu-h100")
        self.add_version("black-forest-labs/flux-dev")
        self.ensure_model(UPSCALER_MODEL, visibility="public", hardware="gpu-t4")
        self.add_version(UPSCALER_MODEL, UPSCALER_VERSION)

    # -- scripting -------------------------------------------------------------------------------------------

    def script(self, kind: JobKind, *outcomes: Outcome) -> None:
        with self.lock:
            self._scripted[kind].extend(outcomes)

    def _next_outcome(self, kind: JobKind) -> Outcome:
        queue = self._scripted[kind]
        return queue.popleft() if queue else "succeed"

    # -- models and files ------------------------------------------------------------------------------------

    def ensure_model(self, key: str, *, visibility: str = "private", hardware: str = "cpu") -> FakeModel:
        owner, name = key.split("/", 1)
        with self.lock:
            return self.models.setdefault(key, FakeModel(owner, name, visibility=visibility, hardware=hardware))

    def add_version(self, key: str, version_id: str | None = None) -> str:
        """Creates the model if needed; returns "owner/name:version" as a finished training reports it."""
        with self.lock:
            model = self.ensure_model(key)
            model.versions.append((version_id or new_id(64), time.time()))
            return f"{key}:{model.versions[-1][0]}"

    def find_version(self, reference: str) -> tuple[str, str] | None:
        """`version id` or `owner/name:version id` -> (model key, version id), if such a version exists."""
        wanted = reference.split(":", 1)[-1]
        with self.lock:
            for model in self.models.values():
                if any(version_id == wanted for version_id, _ in model.versions):
                    return model.key, wanted
        return None

    def store_file(self, name: str, content_type: str, data: bytes, metadata: dict[str, Any]) -> StoredFile:
        stored = StoredFile(new_id(), name, content_type, data, time.time(), metadata)
        with self.lock:
            self.files[stored.id] = stored
        return stored

    def file_for_url(self, url: str) -> StoredFile | None:
        prefix = f"{self.base_url}/v1/files/"
        if not url.startswith(prefix):
            return None
        return self.files.get(url.removeprefix(prefix).split("/", 1)[0])

    # -- jobs ------------------------------------------------------------------------------------------------

    def create_job(
        self,
        kind: JobKind,
        *,
        model: str,
        version: str,
        input: dict[str, Any],
        webhook: str | None = None,
        webhook_events_filter: list[str] | None = None,
        cancel_after_seconds: float | None = None,
        destination: str | None = None,
        outcome: Outcome | None = None,
    ) -> Job:
        with self.lock:
            timing = self.prediction_timing if kind == "prediction" else self.training_timing
            job = Job(
                kind=kind,
                id=new_id(),
                model=model,
                version=version,
                input=input,
                outcome=outcome or self._next_outcome(kind),
                timing=Timing(timing.starting_seconds, timing.processing_seconds
                              + self.extra_output_seconds * (max(1, int(input.get("num_outputs", 1))) - 1)),
                created_at=time.time(),
                webhook=webhook,
                webhook_events_filter=webhook_events_filter,
                cancel_after_seconds=cancel_after_seconds,
                destination=destination,
            )
            self.jobs[job.id] = job
            self.pending_events.append((job, "start"))
            return job

    def get_job(self, kind: JobKind, job_id: str) -> Job | None:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.kind != kind:
                return None
            self._advance(job, time.time())
            return job

    def list_jobs(self, kind: JobKind) -> list[Job]:
        """Newest first, as the hosted API lists them."""
        with self.lock:
            now = time.time()
            jobs = [job for job in self.jobs.values() if job.kind == kind]
            for job in jobs:
                self._advance(job, now)
            return sorted(jobs, key=lambda job: job.created_at, reverse=True)

    def cancel(self, kind: JobKind, job_id: str) -> Job | None:
        with self.lock:
            job = self.get_job(kind, job_id)
            if job is not None and not job.is_terminal:
                self._finish(job, "canceled", time.time())
            return job

    def advance_all(self) -> None:
        with self.lock:
            now = time.time()
            for job in self.jobs.values():
                self._advance(job, now)

    def _advance(self, job: Job, now: float) -> None:
        if job.is_terminal:
            return
        elapsed = now - job.created_at
        if job.cancel_after_seconds is not None and elapsed >= job.cancel_after_seconds:
            self._finish(job, "canceled", now)
            return
        if job.outcome == "stuck":
            return
        if job.status == "starting" and elapsed >= job.timing.starting_seconds:
            job.status = "processing"
            job.started_at = job.created_at + job.timing.starting_seconds
            job.logs = "Using seed: {}\n  0%|          | 0/28 [00:00<?, ?it/s]\n".format(job.input.get("seed"))
            self.pending_events.append((job, "logs"))
        if elapsed >= job.timing.starting_seconds + job.timing.processing_seconds:
            self._settle(job, now)

    def _settle(self, job: Job, now: float) -> None:
        outcome = job.outcome
        if job.kind == "training" and outcome == "succeed":
            images = self.file_for_url(str(job.input.get("input_images", "")))
            outcome = outcome if images is not None and zip_has_images(images.data) else "bad_input"
        if outcome == "succeed":
            job.output = self._training_output(job) if job.kind == "training" else self._prediction_output(job)
            self._finish(job, "succeeded", now)
        elif outcome == "nsfw":
            self._finish(job, "failed", now, error=NSFW_ERROR)
        elif outcome == "bad_input":
            self._finish(job, "failed", now, error=BAD_INPUT_ERROR)
        elif outcome == "abort":
            self._finish(job, "aborted", now)
        else:
            self._finish(job, "failed", now, error=GENERIC_ERROR)

    def _finish(self, job: Job, status: str, now: float, *, error: str | None = None) -> None:
        job.status = status
        job.error = error
        job.completed_at = now
        if status == "succeeded":
            job.logs += "100%|##########| 28/28 [00:01<00:00, 20.00it/s]\n"
            self.pending_events.append((job, "output"))
        self.pending_events.append((job, "completed"))

    def _prediction_output(self, job: Job) -> list[str] | str:
        if job.model == UPSCALER_MODEL:
            return self._upscaled_output(job)
        urls = []
        for name, data, content_type in synthesized_images(job.input):
            self.outputs[f"{job.id}/{name}"] = (data, content_type)
            urls.append(f"{self.base_url}/files/{job.id}/{name}")
        return urls

    def _upscaled_output(self, job: Job) -> str:
        """One URL, not a list, as the real upscaler answers."""
        stored = self.file_for_url(str(job.input.get("image", "")))
        assert stored is not None, "the route checked the input image exists"
        path = f"{job.id}/output.png"
        self.outputs[path] = (upscaled_png(stored.data, float(job.input.get("scale", 4))), "image/png")
        return f"{self.base_url}/files/{path}"

    def _training_output(self, job: Job) -> dict[str, str]:
        assert job.destination is not None
        weights_path = f"{job.id}/trained_model.tar"
        self.outputs[weights_path] = (b"fake lora weights", "application/x-tar")
        return {"version": self.add_version(job.destination), "weights": f"{self.base_url}/files/{weights_path}"}

    # -- what was billed -------------------------------------------------------------------------------------

    def created(self, kind: JobKind) -> list[Job]:
        with self.lock:
            return [job for job in self.jobs.values() if job.kind == kind]

    def created_per_tag(self, kind: JobKind) -> Counter[str | None]:
        return Counter(job.tag for job in self.created(kind))

    # -- JSON as the hosted API renders it -------------------------------------------------------------------

    def render(self, job: Job, *, for_listing: bool = False) -> dict[str, Any]:
        path = f"{self.base_url}/v1/{job.kind}s/{job.id}"
        body: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "version": job.version,
            "status": job.status,
            "input": job.input,
            "output": job.output,
            "logs": job.logs,
            "error": job.error,
            "data_removed": False,
            "source": "api",
            "created_at": iso(job.created_at),
            "started_at": iso(job.started_at),
            "completed_at": iso(job.completed_at),
            "urls": {"get": path, "cancel": f"{path}/cancel", "web": f"https://replicate.com/p/{job.id}"},
            "metrics": self._metrics(job),
        }
        if not (for_listing and self.list_omits_webhook):
            body["webhook"] = job.webhook
            body["webhook_events_filter"] = job.webhook_events_filter
        return body

    @staticmethod
    def _metrics(job: Job) -> dict[str, float]:
        if job.completed_at is None or job.started_at is None:
            return {}
        return {"predict_time": round(job.completed_at - job.started_at, 6)}

    def render_model(self, model: FakeModel) -> dict[str, Any]:
        latest: dict[str, Any] | None = None
        if model.versions:
            version_id, created_at = model.versions[-1]
            latest = {"id": version_id, "created_at": iso(created_at), "cog_version": "0.9.4", "openapi_schema": {}}
        return {
            "url": f"https://replicate.com/{model.key}",
            "owner": model.owner,
            "name": model.name,
            "description": model.description,
            "visibility": model.visibility,
            "github_url": None,
            "paper_url": None,
            "license_url": None,
            "run_count": 0,
            "cover_image_url": None,
            "default_example": None,
            "latest_version": latest,
        }

    def render_file(self, stored: StoredFile) -> dict[str, Any]:
        return {
            "id": stored.id,
            "name": stored.name,
            "content_type": stored.content_type,
            "size": len(stored.data),
            "etag": sha256(stored.data).hexdigest()[:32],
            "checksums": {"sha256": sha256(stored.data).hexdigest()},
            "metadata": stored.metadata,
            "created_at": iso(stored.created_at),
            "expires_at": iso(stored.created_at + 24 * 3600),
            "urls": {"get": f"{self.base_url}/v1/files/{stored.id}"},
        }
