"""Replicate's settings: one model, nested in the app's `Settings` as `replicate` (so every field `x` is read from
`CALENDARY_REPLICATE_X`) and handed as it is to `ReplicateProvider`. Defaults and limits live here only.

It imports nothing but pydantic, so `settings.py` can nest it without importing the provider (httpx, replicate).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ReplicateNotConfigured(ValueError):
    """Settings that cannot work with Replicate: the worker must not start with them."""


class ReplicateSettings(BaseModel):
    # A misspelt CALENDARY_REPLICATE_* variable is refused rather than silently left at its default.
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Worker only: CALENDARY_REPLICATE_API_TOKEN, or the client's own REPLICATE_API_TOKEN (see settings.py).
    api_token: SecretStr | None = None
    # API only: "whsec_..." from GET /v1/webhooks/default/secret; verifies POST /api/webhooks/replicate.
    webhook_secret: SecretStr | None = None
    webhook_tolerance_seconds: float = Field(default=300.0, gt=0)
    # Public URL of POST /api/webhooks/replicate. Also carries each job's tag (see the provider's docstring).
    webhook_url: str | None = None
    base_url: str = "https://api.replicate.com"

    # Trained models: one destination model per user, "{owner}/{prefix}-u{user_id}".
    destination_owner: str | None = None  # the Replicate account or organisation; required by the worker
    destination_prefix: str = Field(default="calendary-lora", pattern=r"^[a-z0-9][a-z0-9._-]{0,60}$")
    destination_visibility: Literal["private", "public"] = "private"
    destination_hardware: str = "gpu-t4"  # required by POST /v1/models; Replicate overrides it for flux LoRAs
    # Trainer: pin a version (check https://replicate.com/ostris/flux-dev-lora-trainer/versions).
    trainer_model: str = "ostris/flux-dev-lora-trainer"
    trainer_version: str = "e440909d3512c31646ee2e0c7d6f6f4923224863a6a10c494606e79fb5844497"
    training_steps: int = Field(default=1000, ge=1)
    lora_rank: int = Field(default=16, ge=1)
    learning_rate: float = Field(default=4e-4, gt=0)
    resolution: str = "512,768,1024"
    autocaption: bool = True

    # Generation
    output_format: Literal["jpg", "png", "webp"] = "jpg"
    aspect_ratio: str = "1:1"
    preview_max_steps: int = Field(default=12, ge=1)  # previews also get go_fast and megapixels "0.25"
    cancel_after: str = "5m"  # Cancel-After on prediction creates: Replicate stops billing a runaway job; "": none

    # Print upscale (issue 15): the 12 chosen images are enlarged by an ESRGAN-class model before the PDF is
    # rendered, by a whole factor (2-4) chosen from each photo's printed size. Pin a version
    # (https://replicate.com/nightmareai/real-esrgan/versions). GFPGAN's face enhancement stays off by default: it
    # redraws faces, which is what the likeness score guards against.
    upscaler_model: str = "nightmareai/real-esrgan"
    upscaler_version: str = "f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa"
    upscaler_face_enhance: bool = False

    # Timing
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    # Reading a running job (replicate_polling.py): first when jobs have lately taken to finish (the expected_*
    # value until this worker has seen some finish), then after `*poll_interval_seconds`, each wait
    # `poll_backoff_factor` times the one before, at most `max_poll_interval_seconds` — the account's 3000 reads a
    # minute are shared by every worker. Set the expected values to what the model and the trainer take.
    expected_prediction_seconds: float = Field(default=30.0, ge=0)
    expected_training_seconds: float = Field(default=300.0, ge=0)
    poll_interval_seconds: float = Field(default=2.0, gt=0)
    training_poll_interval_seconds: float = Field(default=10.0, gt=0)
    poll_backoff_factor: float = Field(default=1.5, ge=1)
    max_poll_interval_seconds: float = Field(default=30.0, gt=0)
    # Completion pushed by webhooks (replicate_push.py), when `webhook_url` is set: each worker process reads the
    # webhook events stored since its last look every `push_tail_interval_seconds` while it waits on any job; a
    # batched reconciler lists jobs that waited longer than `push_list_interval_seconds` (100 a page, at most
    # `push_list_max_pages`); a job with no news for `push_read_after_seconds` is read on its own. Every round of
    # syntheses waits half the tail's interval on average between a prediction's end and the next create
    # (docs/scaling.md): 20 small indexed queries a second per waiting worker process, not 10, buy ~25 ms a round.
    push_tail_interval_seconds: float = Field(default=0.05, gt=0)
    push_list_interval_seconds: float = Field(default=30.0, gt=0)
    push_list_max_pages: int = Field(default=10, ge=1)
    push_read_after_seconds: float = Field(default=120.0, gt=0)
    starting_deadline_seconds: float = Field(default=180.0, gt=0)  # predictions have sat in "starting" for 30+ min
    prediction_deadline_seconds: float = Field(default=360.0, gt=0)  # a backstop behind cancel_after
    training_deadline_seconds: float = Field(default=3600.0, gt=0)
    upload_timeout_seconds: float = Field(default=120.0, gt=0)
    # One upload of a photo serves the predictions made from it this long (0: upload per prediction). Replicate
    # deletes uploaded files after a while: keep this well below that.
    photo_reuse_seconds: float = Field(default=3600.0, ge=0)
    download_timeout_seconds: float = Field(default=60.0, gt=0)
    reconcile_max_pages: int = Field(default=3, ge=1)  # pages of the newest-first job list searched for our tag

    # Prices, USD
    usd_per_training_second: float = Field(default=0.001525, ge=0)  # H100
    usd_per_predict_second: float = Field(default=0.001525, ge=0)  # a trained LoRA version bills by the second
    # The upscaler bills its hardware by the second (a T4 at the time of writing: check the model's page).
    usd_per_upscale_second: float = Field(default=0.000225, ge=0)
    usd_per_image_by_model: dict[str, float] = Field(default_factory=lambda: {
        "black-forest-labs/flux-dev": 0.025, "black-forest-labs/flux-schnell": 0.003})

    # How the customer's things are named at Replicate: training names them, erasure finds them by these names.
    def destination_name(self, user_id: int) -> str:
        """The customer's destination model (without its owner)."""
        return f"{self.destination_prefix}-u{user_id}"

    @staticmethod
    def photo_upload_name(photo_sha256: str) -> str:
        return f"photo-{photo_sha256[:16]}.jpg"

    def worker_token(self) -> str:
        """The API token, once everything a worker cannot run without is known to be there."""
        token = self.api_token.get_secret_value().strip() if self.api_token else ""
        if not token:
            raise ReplicateNotConfigured(
                "CALENDARY_PROVIDER=replicate needs an API token: set REPLICATE_API_TOKEN (or "
                "CALENDARY_REPLICATE_API_TOKEN) to a token from https://replicate.com/account/api-tokens")
        if not self.destination_owner:
            raise ReplicateNotConfigured(
                "CALENDARY_PROVIDER=replicate needs CALENDARY_REPLICATE_DESTINATION_OWNER: the Replicate account "
                "or organisation that will own the customers' trained models")
        return token
