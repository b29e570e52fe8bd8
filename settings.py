"""One place for configuration: every knob is a `CALENDARY_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent


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
    provider_activities_per_second: float = Field(default=5.0, gt=0)
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
    presigned_url_ttl: timedelta = timedelta(minutes=15)

    # Image provider
    provider: Literal["local", "replicate"] = "local"

    # Auth
    jwt_secret: str = "change-me-in-production-this-is-only-for-local-dev"
    jwt_ttl: timedelta = timedelta(days=7)

    # Uploads
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    min_short_side: int = Field(default=512, ge=1)
    max_photos_per_generation: int = Field(default=30, ge=1)

    # Generation
    variant_count: int = Field(default=24, ge=12)
    preview_variant_count: int = Field(default=6, ge=1)
    max_parallel: int = Field(default=4, ge=1)
    selection_timeout: timedelta = timedelta(days=7)
    max_regenerations: int = Field(default=6, ge=0)
    select_wait_seconds: float = Field(default=5.0, ge=0)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    @field_validator("selection_timeout", "presigned_url_ttl", "jwt_ttl")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("must be a positive duration")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
