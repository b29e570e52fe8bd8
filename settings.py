"""One place for configuration: every knob is a `CALENDARY_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, SecretStr, TypeAdapter, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent

_DURATION_FORMS = "plain seconds (e.g. 20 or 1.5) or an ISO-8601 duration (e.g. PT20S, P7D)"
_TIMEDELTA = TypeAdapter(timedelta)


def _parse_duration(value: object) -> object:
    """Environment variables arrive as text: "20" means seconds, anything else must be ISO-8601 ("PT20S")."""
    if not isinstance(value, str):
        return value  # a timedelta or a number of seconds given in code: pydantic takes those as they are
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            return _TIMEDELTA.validate_python(text)
        except ValidationError:
            raise ValueError(f"{value!r} is not a duration: use {_DURATION_FORMS}") from None
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a duration: use {_DURATION_FORMS}")
    return timedelta(seconds=seconds)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"must be a positive duration, got {value}: use {_DURATION_FORMS}")
    return value


# Every duration setting: `CALENDARY_X=20`, `=1.5` or `=PT20S`, always more than zero.
Duration = Annotated[timedelta, BeforeValidator(_parse_duration), AfterValidator(_positive)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALENDARY_", env_file=".env", extra="ignore")

    # Database: SQLite for the embedded default, `postgresql+asyncpg://...` in production.
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'calendary.db'}"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "calendar-generation"
    provider_task_queue: str = "calendar-generation-provider"
    # Enforced by the Temporal server across every worker of the provider queue (Replicate allows 600 creates/min).
    provider_activities_per_second: float = Field(default=10.0, gt=0)
    # Distinct prefixes let several deployments (staging, production) share one Temporal namespace.
    workflow_id_prefix: str = Field(default="calendar-generation", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    worker_max_concurrent_activities: int = Field(default=16, ge=1)

    # Storage
    storage_backend: Literal["fs", "minio"] = "fs"
    storage_dir: Path = PROJECT_ROOT / "var" / "storage"
    minio_endpoint: str = "127.0.0.1:9000"
    minio_access_key: str = "minioadmin"
    minio_secret_key: str = "minioadmin"
    minio_bucket: str = "calendary"
    minio_secure: bool = False
    minio_region: str = "us-east-1"
    presigned_url_ttl: Duration = timedelta(minutes=15)

    # Image provider
    provider: Literal["local", "replicate"] = "local"

    # Replicate (CALENDARY_PROVIDER=replicate; docs/replicate.md). The worker refuses to start without a token and
    # a destination owner; the API verifies webhooks with the secret. Names mirror imaging.providers.replicate's
    # ReplicateConfig, whose defaults these repeat.
    replicate_api_token: SecretStr | None = Field(  # CALENDARY_REPLICATE_API_TOKEN, else REPLICATE_API_TOKEN
        default=None, validation_alias=AliasChoices("calendary_replicate_api_token", "replicate_api_token"))
    replicate_base_url: str = "https://api.replicate.com"
    replicate_destination_owner: str | None = None  # the account or organisation that owns the trained models
    replicate_destination_prefix: str = Field(default="calendary-lora", pattern=r"^[a-z0-9][a-z0-9._-]{0,60}$")
    replicate_destination_visibility: Literal["private", "public"] = "private"
    replicate_destination_hardware: str = "gpu-t4"
    replicate_trainer_model: str = "ostris/flux-dev-lora-trainer"
    replicate_trainer_version: str = "e440909d3512c31646ee2e0c7d6f6f4923224863a6a10c494606e79fb5844497"
    replicate_training_steps: int = Field(default=1000, ge=1)
    replicate_lora_rank: int = Field(default=16, ge=1)
    replicate_learning_rate: float = Field(default=4e-4, gt=0)
    replicate_resolution: str = "512,768,1024"
    replicate_autocaption: bool = True
    replicate_output_format: Literal["jpg", "png", "webp"] = "jpg"
    replicate_aspect_ratio: str = "1:1"
    replicate_preview_max_steps: int = Field(default=12, ge=1)
    replicate_cancel_after: str = "5m"  # Cancel-After on prediction creates; "" sends none
    # Public URL of POST /api/webhooks/replicate. Also how a lost create is found again (see the provider).
    replicate_webhook_url: str | None = None
    replicate_webhook_secret: SecretStr | None = None  # "whsec_...": GET /v1/webhooks/default/secret
    replicate_webhook_tolerance_seconds: float = Field(default=300.0, gt=0)
    replicate_request_timeout_seconds: float = Field(default=30.0, gt=0)
    replicate_poll_interval_seconds: float = Field(default=1.0, gt=0)
    replicate_training_poll_interval_seconds: float = Field(default=10.0, gt=0)
    replicate_status_hint_interval_seconds: float = Field(default=0.5, gt=0)  # webhook statuses, read from the db
    replicate_starting_deadline_seconds: float = Field(default=180.0, gt=0)
    replicate_prediction_deadline_seconds: float = Field(default=360.0, gt=0)
    replicate_training_deadline_seconds: float = Field(default=3600.0, gt=0)
    replicate_upload_timeout_seconds: float = Field(default=120.0, gt=0)
    replicate_download_timeout_seconds: float = Field(default=60.0, gt=0)
    replicate_reconcile_max_pages: int = Field(default=3, ge=1)
    replicate_usd_per_training_second: float = Field(default=0.001525, ge=0)  # H100
    replicate_usd_per_predict_second: float = Field(default=0.001525, ge=0)  # a trained LoRA version
    replicate_usd_per_image_by_model: dict[str, float] = Field(default_factory=lambda: {
        "black-forest-labs/flux-dev": 0.025, "black-forest-labs/flux-schnell": 0.003})

    # Auth
    jwt_secret: str = "change-me-in-production-this-is-only-for-local-dev"
    jwt_ttl: Duration = timedelta(days=7)

    # Uploads
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    min_short_side: int = Field(default=512, ge=1)
    max_photos_per_generation: int = Field(default=30, ge=1)

    # Generation
    variant_count: int = Field(default=24, ge=12)
    preview_variant_count: int = Field(default=6, ge=1)
    max_parallel: int = Field(default=4, ge=1)
    selection_timeout: Duration = timedelta(days=7)
    provider_heartbeat_timeout: Duration = timedelta(minutes=1)
    max_regenerations: int = Field(default=6, ge=0)
    select_wait_seconds: float = Field(default=5.0, ge=0)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000


@lru_cache
def get_settings() -> Settings:
    return Settings()
