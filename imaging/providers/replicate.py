"""Replicate: a Flux LoRA trained on each customer's photo set, then img2img variants from it.

Paying twice is the failure this module is built around. The hosted API has no idempotency key and the client
never retries a POST, so a create whose response was lost (timeout, dropped connection, 5xx) may still have
been created and billed. Hence:

- `on_started(job_id)` is called as soon as a job id is known, so the caller can record it and pass it back
  as `resume_ref` on its next attempt.
- Every job carries a tag, and before creating anything — and right after a create with an unknown outcome —
  we look through recent jobs for one with our tag (reconciliation). The API has no metadata field; the tag
  travels as `?tag=...` on the webhook URL, which Replicate stores and echoes back in the job object
  (predictions: `SynthesisRequest.tag`; trainings: `TrainingRequest.tag`). Tags are unique per run and
  deployment, and a job is adopted only if its model version is ours too, so staging and production sharing a
  token, or a database restore that rewinds ids, can never hand one customer another's job. When no webhook URL is
  configured, or a listing leaves `webhook` out, predictions are matched by the echoed input instead
  (version, prompt, seed); trainings then cannot be reconciled, so configure `webhook_url` in production.
- Waiting (replicate_waiting.py) is pushed by webhooks when a webhook URL is configured: one process-wide
  `CompletionHub` (replicate_push.py) hands each job its final state within ~0.1 s of the webhook, a batched
  reconciler lists the account's jobs 100 at a time for webhooks that never came, and deadlines still apply.
  Without a webhook URL it polls adaptively (replicate_polling.py) within the account's budget of reads.
- A job's first try (`fresh`: nothing can have been created under its tag yet) skips the reconciliation search
  before creating: one list read per job saved.
- Every paid create first asks the caller's fence (`base.create_seconds`) how long it may take: a try that Temporal
  has already replaced (it stalled past its heartbeat timeout) creates nothing, and a live one finishes its create
  while no retry can have started, so the retry's search finds it.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import logging
import time
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypedDict

import httpx
from replicate.exceptions import ReplicateError

from imaging.providers.base import (
    ContentRejected,
    ProviderError,
    ProviderJobFailed,
    StartedCallback,
    SynthesisRequest,
    SynthesisResult,
    TrainingRequest,
    TrainingResult,
    create_seconds,
)
from imaging.providers.base import JobKind as ProviderJobKind
from imaging.providers.replicate_api import (
    JobKind,
    JobReader,
    JobSnapshot,
    build_client,
    create_outcome_unknown,
    translated_errors,
    with_tag,
    within,
)
from imaging.providers.replicate_polling import poll_schedules
from imaging.providers.replicate_push import CompletionHub, WebhookEvents
from imaging.providers.replicate_settings import ReplicateNotConfigured, ReplicateSettings
from imaging.providers.replicate_waiting import Deadlines, JobWaiting
from imaging.providers.replicate_webhooks import WebhookVerificationError, verify_webhook

__all__ = ["ReplicateNotConfigured", "ReplicateProvider", "ReplicateSettings", "WebhookEvents",
           "WebhookVerificationError", "verify_webhook"]

log = logging.getLogger(__name__)

JobMatcher = Callable[[JobSnapshot], bool]


class _Created(Protocol):
    """What the client's creates answer (a Training or a Prediction): read as the job's JSON."""

    def dict(self) -> dict[str, Any]: ...
_MAX_REUSED_PHOTOS = 10_000
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class _WebhookParams(TypedDict, total=False):
    """The webhook arguments of Replicate's create calls (none when no webhook URL is configured)."""

    webhook: str
    webhook_events_filter: list[str]


class ReplicateProvider:
    name = "replicate"

    def __init__(self, settings: ReplicateSettings, *, webhook_events: WebhookEvents | None = None) -> None:
        api_token = settings.worker_token()  # first: a misconfigured worker opens nothing
        assert settings.destination_owner  # worker_token() refuses settings without one
        self._destination_owner = settings.destination_owner
        self._settings = settings
        self._transport = httpx.AsyncHTTPTransport()
        self._client = build_client(
            api_token=api_token,
            base_url=settings.base_url,
            request_timeout_seconds=settings.request_timeout_seconds,
            cancel_after=settings.cancel_after,
            transport=self._transport,
        )
        self._jobs = JobReader(self._client)
        self._photo_urls: dict[str, tuple[float, str]] = {}  # photo digest -> (reusable until, uploaded URL)
        self._schedules = poll_schedules(settings)
        # Pushed completion needs both ends: Replicate told where to POST, and the worker reading what arrived.
        self._hub = (CompletionHub(webhook_events, self._jobs, settings)
                     if settings.webhook_url and webhook_events is not None else None)
        self._waiting = JobWaiting(self._jobs, self._schedules, self._hub,
                                   read_after_seconds=settings.push_read_after_seconds)
        # Output URLs are public delivery links: fetch them without our API token.
        self._downloads = httpx.AsyncClient(timeout=settings.download_timeout_seconds, follow_redirects=True)

    @property
    def base_model(self) -> str:
        """Models trained by another trainer version are not reused (ImageProvider.base_model)."""
        return f"{self._settings.trainer_model}:{self._settings.trainer_version}"

    async def aclose(self) -> None:
        if self._hub is not None:
            await self._hub.aclose()
        await self._transport.aclose()
        await self._downloads.aclose()

    async def cancel(self, provider_ref: str, kind: ProviderJobKind) -> None:
        await self._jobs.cancel("training" if kind == "training" else "prediction", provider_ref)

    # -- training --------------------------------------------------------------------------------------------

    async def train(self, request: TrainingRequest, on_started: StartedCallback | None = None) -> TrainingResult:
        tag = request.tag or f"train-{request.user_id}-{request.photo_set_hash}"

        def is_this_training(found: JobSnapshot) -> bool:
            return found.tag == tag and found.version in (None, self._settings.trainer_version)

        job = await self._resume("training", request.resume_ref, is_this_training)
        if job is None:
            job = await self._start_training(request, tag, is_this_training)
        await _notify(on_started, job.id)
        job = await self._waiting.until_finished("training", job, Deadlines(
            starting=None,  # trainings queue for H100s; only the overall deadline applies
            overall=self._settings.training_deadline_seconds))
        version = job.output.get("version") if job.status == "succeeded" and isinstance(job.output, dict) else None
        if not version:
            raise _failure("training", job)
        cost = round(job.predict_seconds * self._settings.usd_per_training_second, 6)
        return TrainingResult(model_ref=str(version), provider_ref=job.id, cost_usd=cost)

    async def _start_training(self, request: TrainingRequest, tag: str, is_ours: JobMatcher) -> JobSnapshot:
        if not request.photos:
            raise ContentRejected("no photos to train on")
        destination = self._settings.destination_name(request.user_id)
        with translated_errors("upload training photos"):
            archive = await within(self._settings.upload_timeout_seconds, self._client.files.async_create(
                io.BytesIO(_zip_photos(request.photos)),
                filename=f"{destination}-{request.photo_set_hash[:12]}.zip",
                content_type="application/zip",
            ))
        await self._ensure_destination(destination)
        settings = self._settings
        training_input = {
            "input_images": archive.urls["get"],
            "trigger_word": request.trigger_word,
            "steps": settings.training_steps,
            "lora_rank": settings.lora_rank,
            "learning_rate": settings.learning_rate,
            "resolution": settings.resolution,
            "autocaption": settings.autocaption,
        }
        return await self._paid_create("training", "create training", lambda: self._client.trainings.async_create(
            model=settings.trainer_model,
            version=settings.trainer_version,
            input=training_input,
            destination=f"{self._destination_owner}/{destination}",
            **self._webhook_params(tag),
        ), is_ours)

    async def _ensure_destination(self, name: str) -> None:
        owner = self._destination_owner
        with translated_errors(f"create destination model {owner}/{name}"):
            try:
                await self._client.models.async_get(owner, name)
                return
            except ReplicateError as exc:
                if exc.status != 404:
                    raise
            try:
                await self._client.models.async_create(
                    owner, name,
                    visibility=self._settings.destination_visibility,
                    hardware=self._settings.destination_hardware,
                    description="Calendary: a customer's LoRA",
                )
            except ReplicateError as exc:
                if exc.status != 409:  # created meanwhile by a concurrent attempt: fine
                    raise

    # -- generation ------------------------------------------------------------------------------------------

    async def generate(self, request: SynthesisRequest, on_started: StartedCallback | None = None) -> SynthesisResult:
        version_id = _version_id(request.model_ref)

        def is_this_variant(job: JobSnapshot) -> bool:
            if job.tag is not None:  # our tag is visible: it identifies the variant, if the model is ours too
                return job.tag == request.tag and (version_id is None or job.version in (None, version_id))
            same_model = job.version == version_id if version_id else job.model == request.model_ref
            return same_model and job.input.get("prompt") == request.prompt and job.input.get("seed") == request.seed

        job = None if request.fresh else await self._resume("prediction", request.resume_ref, is_this_variant)
        if job is None:
            job = await self._start_prediction(request, version_id, is_this_variant)
        await _notify(on_started, job.id)
        job = await self._waiting.until_finished("prediction", job, Deadlines(
            starting=self._settings.starting_deadline_seconds, overall=self._settings.prediction_deadline_seconds))
        if job.status != "succeeded":
            raise _failure("prediction", job)
        image, content_type = await self._download_output(job)
        return SynthesisResult(image=image, content_type=content_type, provider_ref=job.id,
                               cost_usd=self._prediction_cost(job))

    async def _start_prediction(
        self, request: SynthesisRequest, version_id: str | None, is_this_variant: JobMatcher
    ) -> JobSnapshot:
        settings = self._settings
        prediction_input = {
            "prompt": request.prompt,  # flux has no negative prompt; the caller's prompt is complete
            "image": await self._uploaded_photo_url(request.photo),
            "prompt_strength": request.style_strength,
            "num_inference_steps": min(request.steps, settings.preview_max_steps) if request.preview else request.steps,
            "seed": request.seed,
            "output_format": settings.output_format,
            "aspect_ratio": settings.aspect_ratio,
            "num_outputs": 1,
        }
        if request.preview:  # final renders keep the model's full-quality defaults
            prediction_input |= {"go_fast": True, "megapixels": "0.25"}
        create, webhook = self._client.predictions.async_create, self._webhook_params(request.tag)
        return await self._paid_create("prediction", "create prediction", lambda: (
            create(version=version_id, input=prediction_input, **webhook) if version_id
            else create(model=request.model_ref, input=prediction_input, **webhook)), is_this_variant)

    async def _uploaded_photo_url(self, photo: bytes) -> str:
        """A URL rather than a data URI keeps every job listing small (inputs are echoed in it). A generation's
        predictions share a few photos: one upload serves them all for `photo_reuse_seconds` (one API call per
        prediction saved), never longer, as uploaded files expire and a regeneration can come days later."""
        digest = hashlib.sha256(photo).hexdigest()
        now = time.monotonic()
        reused = self._photo_urls.get(digest)
        if reused is not None and reused[0] > now:
            return reused[1]
        with translated_errors("upload photo"):
            uploaded = await within(self._settings.upload_timeout_seconds, self._client.files.async_create(
                io.BytesIO(photo), filename=self._settings.photo_upload_name(digest), content_type="image/jpeg"
            ))
        if len(self._photo_urls) > _MAX_REUSED_PHOTOS:
            self._photo_urls = {k: v for k, v in self._photo_urls.items() if v[0] > now}
        self._photo_urls[digest] = (now + self._settings.photo_reuse_seconds, uploaded.urls["get"])
        return uploaded.urls["get"]

    async def _download_output(self, job: JobSnapshot) -> tuple[bytes, str]:
        outputs = job.output if isinstance(job.output, list) else [job.output]
        url = next((item for item in outputs if isinstance(item, str) and item), None)
        if url is None:
            raise ProviderError(f"prediction {job.id} succeeded without an output URL: {job.output!r}")
        try:
            response = await self._downloads.get(url)
        except httpx.HTTPError as exc:
            raise ProviderError(f"download of prediction {job.id} output failed: {exc!r}") from exc
        if response.status_code != 200:
            raise ProviderError(f"download of prediction {job.id} output: HTTP {response.status_code}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        if not content_type.startswith("image/"):
            content_type = _CONTENT_TYPES.get(self._settings.output_format, "application/octet-stream")
        return response.content, content_type

    def _prediction_cost(self, job: JobSnapshot) -> float:
        per_image = self._settings.usd_per_image_by_model.get(job.model or "")
        if per_image is not None:
            return per_image
        return round(job.predict_seconds * self._settings.usd_per_predict_second, 6)

    # -- shared by both kinds of job -------------------------------------------------------------------------

    def _webhook_params(self, tag: str) -> _WebhookParams:
        if not self._settings.webhook_url:
            return {}
        url = with_tag(self._settings.webhook_url, tag) if tag else self._settings.webhook_url
        return {"webhook": url, "webhook_events_filter": ["completed"]}

    async def _resume(self, kind: JobKind, resume_ref: str | None, is_ours: JobMatcher) -> JobSnapshot | None:
        """The job to continue instead of creating one: `resume_ref` if it is still worth it, else a recent job
        carrying our tag. A job that failed on its content is final; a cancelled or broken one is not."""
        if resume_ref:
            job = await self._jobs.get(kind, resume_ref)
            if job is not None and job.is_content_rejection:
                raise _failure(kind, job)
            if job is not None and job.is_reusable:
                return job
            log.info("%s %s cannot be resumed (%s); looking for another", kind, resume_ref,
                     job.status if job else "not found")
        found = await self._jobs.find_recent(kind, is_ours, max_pages=self._settings.reconcile_max_pages)
        if found is not None:
            log.info("reconciled: adopting %s %s (%s)", kind, found.id, found.status)
        return found

    async def _paid_create(self, kind: JobKind, what: str, create: Callable[[], Awaitable[_Created]],
                           is_ours: JobMatcher) -> JobSnapshot:
        """Every paid create (training, prediction, upscale): fenced by the caller (`base.create_seconds`: a replaced
        try creates nothing, a live one finishes while no retry can have started) and bounded; whatever fails, the
        job may exist, so it is looked for before the failure is raised."""
        seconds = await create_seconds(self._settings.request_timeout_seconds)
        with translated_errors(what, rejects_input=True):
            try:
                return JobSnapshot.from_json((await within(seconds, create())).dict())
            except Exception as exc:  # noqa: BLE001 - whatever failed, the job may exist: look before raising
                return await self._adopt_after_unknown_create(kind, exc, is_ours)

    async def _adopt_after_unknown_create(self, kind: JobKind, exc: Exception, is_ours: JobMatcher) -> JobSnapshot:
        """The create may have happened: look once before giving up, so the job is not paid for twice."""
        if not create_outcome_unknown(exc):
            raise exc
        found = await self._jobs.find_recent(kind, is_ours, max_pages=self._settings.reconcile_max_pages)
        if found is None:
            # Not listed (yet): the caller's retry will reconcile again before creating.
            raise ProviderError(f"create {kind}: outcome unknown ({type(exc).__name__}: {exc})") from exc
        log.info("create %s: response lost, adopted %s", kind, found.id)
        return found


def _failure(kind: JobKind, job: JobSnapshot) -> Exception:
    if job.is_content_rejection:
        return ContentRejected(f"{kind} {job.id} rejected: {job.error}")
    # failed, canceled, and statuses the client doesn't know ("aborted"): a fresh attempt may succeed.
    return ProviderJobFailed(f"{kind} {job.id} ended {job.status}: {job.error or 'no error given'}")


def _version_id(model_ref: str) -> str | None:
    """"owner/name:version" -> "version"; "owner/name" -> None (run the model's latest version)."""
    _, _, version = model_ref.partition(":")
    return version or None


def _zip_photos(photos: list[bytes]) -> bytes:
    buffer = io.BytesIO()
    # The photos are JPEG already: storing them uncompressed saves CPU for nothing lost.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, photo in enumerate(photos, start=1):
            archive.writestr(f"photo-{number:03d}.jpg", photo)
    return buffer.getvalue()


async def _notify(on_started: StartedCallback | None, job_id: str) -> None:
    if on_started is None:
        return
    result = on_started(job_id)
    if inspect.isawaitable(result):  # the id is recorded before the wait begins
        await result
