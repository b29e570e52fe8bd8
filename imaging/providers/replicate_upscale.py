"""Replicate, plus the print upscale: the 12 chosen images enlarged by an ESRGAN-class model before rendering.

An upscale is a paid prediction like a variant, and is made safe the same way (replicate.py's docstring): the
caller's `on_started` records the prediction id for a retry's `resume_ref`, and every create carries a tag that
is looked for among recent predictions before creating and after a create whose outcome is unknown, so a lost
response is never paid for twice. Unlike a variant's, the upscaler's input (a freshly uploaded file's URL) cannot
identify the job, so without a webhook URL to carry the tag only `resume_ref` protects a retry.
"""

from __future__ import annotations

from imaging.providers.base import StartedCallback, UpscaleRequest, UpscaleResult
from imaging.providers.replicate import JobMatcher, ReplicateProvider, _failure
from imaging.providers.replicate_api import JobSnapshot
from imaging.providers.replicate_waiting import Deadlines

AI_UPSCALE = "AI upscaled"  # how the render report names a print copy made by a model (render.images says classical)


class ReplicateUpscalingProvider(ReplicateProvider):
    """The Replicate provider with `upscale` (imaging.providers.base.Upscaler)."""

    def upscale_method(self, scale: int) -> str:
        return f"{AI_UPSCALE} ({self._settings.upscaler_model.rpartition('/')[2]} ×{scale})"  # "real-esrgan ×3"

    async def upscale(self, request: UpscaleRequest, on_started: StartedCallback | None = None) -> UpscaleResult:
        settings = self._settings

        def is_this_upscale(job: JobSnapshot) -> bool:
            return bool(request.tag) and job.tag == request.tag and job.version in (None, settings.upscaler_version)

        job = await self._resume("prediction", request.resume_ref, is_this_upscale)
        if job is None:
            job = await self._start_upscale(request, is_this_upscale)
        if on_started is not None:
            started = on_started(job.id)
            if started is not None:
                await started  # the id is recorded before the wait begins
        job = await self._waiting.until_finished("prediction", job, Deadlines(
            starting=settings.starting_deadline_seconds, overall=settings.prediction_deadline_seconds))
        if job.status != "succeeded":
            raise _failure("prediction", job)
        image, content_type = await self._download_output(job)
        return UpscaleResult(image=image, content_type=content_type, method=self.upscale_method(request.scale),
                             provider_ref=job.id,
                             cost_usd=round(job.predict_seconds * settings.usd_per_upscale_second, 6))

    async def _start_upscale(self, request: UpscaleRequest, is_ours: JobMatcher) -> JobSnapshot:
        settings = self._settings
        upscale_input = {"image": await self._uploaded_photo_url(request.image), "scale": request.scale,
                         "face_enhance": settings.upscaler_face_enhance}
        return await self._paid_create("prediction", "create upscale prediction", lambda: (
            self._client.predictions.async_create(
                version=settings.upscaler_version, input=upscale_input, **self._webhook_params(request.tag))), is_ours)
