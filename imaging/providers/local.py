"""The offline provider: no model to train, classic image processing (imaging.stylize) instead of synthesis.

It lets the whole product run, and its tests pass, without network access or provider credits.
"""

from __future__ import annotations

import asyncio

from imaging.providers.base import (
    ContentRejected,
    JobKind,
    StartedCallback,
    SynthesisRequest,
    SynthesisResult,
    TrainingRequest,
    TrainingResult,
)
from imaging.stylize import stylize


class LocalProvider:
    name = "local"
    base_model = "opencv-stylizer-v1"

    async def train(
        self, request: TrainingRequest, on_started: StartedCallback | None = None
    ) -> TrainingResult:
        if not request.photos:
            raise ContentRejected("no photos to train on")
        # Nothing to learn: the "model" is the photo set itself, so the same photos give the same ref.
        model_ref = f"local:{request.photo_set_hash}"
        if on_started is not None:
            on_started(model_ref)
        return TrainingResult(model_ref=model_ref, provider_ref=model_ref)

    async def generate(
        self, request: SynthesisRequest, on_started: StartedCallback | None = None
    ) -> SynthesisResult:
        provider_ref = f"local:{request.tag}"
        if on_started is not None:
            on_started(provider_ref)
        try:
            # CPU-bound (~0.2 s): off the event loop so heartbeats and other activities keep running.
            image = await asyncio.to_thread(
                stylize,
                request.photo,
                theme=request.theme,
                seed=request.seed,
                color_scheme=request.color_scheme,
                style_strength=request.style_strength,
                size=request.size,
                preview=request.preview,
                prompt=request.prompt,  # its framing and light words (imaging.variations)
            )
        except ValueError as error:  # an undecodable photo (PhotoRejected) or a malformed scheme colour
            raise ContentRejected(str(error)) from error
        return SynthesisResult(image=image, content_type="image/jpeg", provider_ref=provider_ref)

    async def cancel(self, provider_ref: str, kind: JobKind) -> None:
        """Nothing runs outside this process, so there is nothing to stop."""
