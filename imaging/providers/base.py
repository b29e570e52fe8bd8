"""The contract every image provider fulfils.

Providers receive and return bytes and plain values; storage, the database and Temporal stay outside.
`on_started` lets the caller record a provider-side job id (heartbeat, database) *before* waiting, so that a
retry can pass it back as `resume_ref` and resume the same paid job instead of starting a new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable


class ProviderError(Exception):
    """A failure a retry may fix (timeouts, 5xx, throttling)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ContentRejected(Exception):
    """A failure no retry can fix: invalid input, content flagged by the provider."""


class ProviderJobFailed(Exception):
    """A paid job ended without a result (failed, cancelled, stuck past its deadline): retrying the same job can't
    help, a fresh attempt (a new seed) may."""


class ProviderAccountError(Exception):
    """The provider refused our account (HTTP 401/402/403: a bad token, no credit, no access): no attempt can
    succeed until a person fixes it, so nothing is retried (or billed) meanwhile."""


@dataclass(frozen=True)
class TrainingRequest:
    user_id: int
    photo_set_hash: str
    photos: list[bytes]
    trigger_word: str = "TOK"
    resume_ref: str | None = None
    tag: str = ""  # unique to this model: lets a provider find a training whose create response was lost


@dataclass(frozen=True)
class TrainingResult:
    model_ref: str
    provider_ref: str | None = None
    cost_usd: float = 0.0


@dataclass(frozen=True)
class SynthesisRequest:
    model_ref: str
    photo: bytes
    theme: str
    prompt: str
    negative_prompt: str
    style_strength: float
    steps: int
    seed: int
    color_scheme: list[str] = field(default_factory=list)
    preview: bool = False
    size: int = 1024
    # Stable across retries of one attempt and unique across runs and deployments: lets a provider find a job whose
    # create response was lost, and never someone else's.
    tag: str = ""
    resume_ref: str | None = None
    # The first try under this tag: no earlier try can have created a job, so the search for one is skipped.
    fresh: bool = False


@dataclass(frozen=True)
class SynthesisResult:
    image: bytes
    content_type: str = "image/jpeg"
    provider_ref: str | None = None
    cost_usd: float = 0.0


@dataclass(frozen=True)
class UpscaleRequest:
    """Enlarge a chosen image for print: `scale` times its size (a whole number, chosen from its printed size)."""

    image: bytes
    scale: int
    tag: str = ""  # as SynthesisRequest.tag: finds a paid job whose create response was lost
    resume_ref: str | None = None


@dataclass(frozen=True)
class UpscaleResult:
    image: bytes
    content_type: str
    method: str  # what the render report names, e.g. "AI upscaled (real-esrgan ×3)"
    provider_ref: str | None = None
    cost_usd: float = 0.0


# May return an awaitable (the database write of the id): a provider that is about to wait awaits it first.
StartedCallback = Callable[[str], Awaitable[None] | None]
JobKind = Literal["training", "synthesis"]

# The caller's fence against paying twice for one job: asked right before every paid create, it answers how many
# seconds that create may take from now, or raises ProviderError when this try must create nothing at all (it is no
# longer the live attempt: see activities.heartbeat.live_attempt_seconds). Set around a provider call by the
# activity that makes it; unset (tests, scripts), a create has its own timeout only.
CreateWindow = Callable[[], Awaitable[float]]
create_window: ContextVar[CreateWindow | None] = ContextVar("create_window", default=None)


async def create_seconds(limit: float) -> float:
    """How long the paid create about to start may take: `limit`, or less if the caller's fence says so."""
    window = create_window.get()
    return limit if window is None else min(limit, await window())


class ImageProvider(Protocol):
    name: str

    @property
    def base_model(self) -> str:
        """What a trained model is derived from: models trained from different bases are not reused."""
        ...

    async def train(
        self, request: TrainingRequest, on_started: StartedCallback | None = None
    ) -> TrainingResult: ...

    async def generate(
        self, request: SynthesisRequest, on_started: StartedCallback | None = None
    ) -> SynthesisResult: ...

    async def cancel(self, provider_ref: str, kind: JobKind) -> None:
        """Stop a running provider job (the generation was cancelled): best effort, never raises."""


@runtime_checkable
class Upscaler(Protocol):
    """A provider that can also enlarge images with a model for print (Replicate). One that can't (the offline
    provider) leaves small photos to the renderer's classical upscale, which the render report names as such."""

    def upscale_method(self, scale: int) -> str:
        """What the render report calls a copy this upscaler made `scale` times larger."""
        ...

    async def upscale(self, request: UpscaleRequest, on_started: StartedCallback | None = None) -> UpscaleResult: ...
