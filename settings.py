"""One place for configuration: every knob is a `CALENDARY_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, TypeAdapter, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from imaging.providers.replicate_settings import ReplicateSettings

PROJECT_ROOT = Path(__file__).resolve().parent

# Known to everyone who reads this file: accepted only outside production (see Settings.env).
DEVELOPMENT_JWT_SECRET = "change-me-in-production-this-is-only-for-local-dev"
DEVELOPMENT_MEDIA_SIGNING_KEY = "change-me-in-production-media-links-for-local-dev"
MIN_SECRET_BYTES = 32
# A new account's credit outside production, when CALENDARY_SIGNUP_CREDIT_UAH is unset (production: 0).
DEVELOPMENT_SIGNUP_CREDIT_UAH = 3000

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


def _at_most_four_days(value: timedelta) -> timedelta:
    if value > timedelta(days=4):
        raise ValueError(f"must be at most 4 days (P4D), got {value}: S3 links live at most 7 days")
    return value


def _origin_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{value!r} is not a base URL: use http(s)://host[:port][/path], without ? or #")
    return value.strip().rstrip("/")


# Every duration setting: `CALENDARY_X=20`, `=1.5` or `=PT20S`, always more than zero.
Duration = Annotated[timedelta, BeforeValidator(_parse_duration), AfterValidator(_positive)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALENDARY_", env_file=".env", extra="ignore",
                                      env_nested_delimiter="_", env_nested_max_split=1)

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
    # The host[:port] browsers (or the caching proxy in front) reach MinIO at: presigned links are signed for it.
    # Unset: the internal endpoint above. Issue 12: `minio:9000` only resolves inside the compose network.
    minio_public_endpoint: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")

    # Image links (docs/media.md): valid for at least this long. The expiry is rounded up to the next multiple of
    # half of it, so a link stays the same for that half and browsers and caches can reuse it; S3 links live at most
    # 7 days, so at most 4 days here (a link may live 1.5 times this long).
    presigned_url_ttl: Annotated[Duration, AfterValidator(_at_most_four_days)] = timedelta(minutes=15)
    # Where browsers fetch images from: the origin of a CDN or caching proxy (`https://cdn.example.com`, optionally
    # with a path prefix). Every image link keeps its path and signature and gets this origin instead; the proxy
    # forwards the rest of the path unchanged — to the API's /media on the fs backend, to MinIO (with the Host it
    # signed for) on minio. Unset: links point at the API (fs) or at MinIO's own (public) endpoint.
    media_base_url: Annotated[str | None, AfterValidator(_origin_url)] = None

    # Image provider
    provider: Literal["local", "replicate"] = "local"

    # Replicate (CALENDARY_PROVIDER=replicate; docs/replicate.md): field `x` of ReplicateSettings is read from
    # CALENDARY_REPLICATE_X (the nested delimiter is "_", split once), the token also from REPLICATE_API_TOKEN.
    replicate: ReplicateSettings = Field(default_factory=ReplicateSettings)

    # Where this runs: "development" (the embedded default) accepts the development secrets below; "production" (set
    # in docker-compose.temporal.yml) refuses to start with them, or with any secret shorter than 32 bytes.
    env: Literal["development", "production"] = "development"

    # Auth: tokens are signed with `jwt_secret`; the API's own media links (fs backend) with `media_signing_key`, so
    # whoever can mint one can't mint the other.
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_ttl: Duration = timedelta(days=7)
    media_signing_key: SecretStr = SecretStr(DEVELOPMENT_MEDIA_SIGNING_KEY)

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

    # Money (services/ledger.py, docs/api.md "Credits"): what a new account starts with (unset: 3000 UAH in
    # development so `make run` works with no payment step, 0 in production); how long a quote holds; per customer,
    # generations producing at once and what may be reserved in a UTC day; regenerations free per generation and the
    # price of each one after; the provider spend (USD, per UTC day) past which new generations are refused.
    signup_credit_uah: int | None = Field(default=None, ge=0)
    quote_ttl: Duration = timedelta(minutes=15)
    max_concurrent_generations: int = Field(default=2, ge=1)
    daily_spend_limit_uah: int = Field(default=10_000, ge=0)
    free_regenerations: int = Field(default=3, ge=0)
    regeneration_price_uah: int = Field(default=20, ge=0)
    provider_daily_budget_usd: float = Field(default=100.0, ge=0)

    # Durability: database and storage work is retried without an attempt cap, at most this far apart, for up to
    # the outage tolerance in all (an outage only delays a generation). The job reconciler checks rows quiet for
    # `reconcile_grace` every `reconcile_interval`.
    activity_retry_max_interval: Duration = timedelta(minutes=1)
    activity_retry_outage_tolerance: Duration = timedelta(hours=6)
    reconcile_interval: Duration = timedelta(minutes=5)
    reconcile_grace: Duration = timedelta(minutes=10)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # E-mail (docs/operations.md): with no SMTP host, messages are written as .eml files under `outbox_dir`.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Calendary <no-reply@calendary.local>"
    outbox_dir: Path = PROJECT_ROOT / "var" / "outbox"
    # Where customers open the web page: the links in e-mails start here.
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    # The reminder goes this long before the selection window closes (skipped when already chosen).
    expiry_reminder_before: Duration = timedelta(hours=24)

    # Logs: human-readable text, or one JSON object per line for a log pipeline (docs/operations.md).
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # The worker's /metrics (its own series and the Temporal SDK's) and /healthz; port 0 picks a free one.
    worker_metrics_address: str = Field(default="127.0.0.1:9464", pattern=r"^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):\d{1,5}$")

    # `manage.py run` (the embedded stack): the Temporal dev server's state file and UI, and the supervisor's pid
    # files ({run_dir}/temporal.pid, api.pid, worker.pid, supervisor.pid).
    temporal_ui_port: int = 8233
    temporal_db_file: Path = PROJECT_ROOT / "var" / "temporal.db"
    run_dir: Path = PROJECT_ROOT / "var" / "run"

    @property
    def signup_credit_kopiyky(self) -> int:
        default = 0 if self.env == "production" else DEVELOPMENT_SIGNUP_CREDIT_UAH
        return 100 * (self.signup_credit_uah if self.signup_credit_uah is not None else default)

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.env != "production":
            return self
        secrets = {"CALENDARY_JWT_SECRET": (self.jwt_secret, DEVELOPMENT_JWT_SECRET),
                   "CALENDARY_MEDIA_SIGNING_KEY": (self.media_signing_key, DEVELOPMENT_MEDIA_SIGNING_KEY)}
        for name, (secret, development) in secrets.items():
            value = secret.get_secret_value()
            if value == development:
                raise ValueError(f"{name} is the development value: set a random one of 32+ bytes in production")
            if len(value.encode()) < MIN_SECRET_BYTES:
                raise ValueError(f"{name} is {len(value.encode())} bytes: production needs {MIN_SECRET_BYTES}+")
        if self.jwt_secret.get_secret_value() == self.media_signing_key.get_secret_value():
            raise ValueError("CALENDARY_MEDIA_SIGNING_KEY must differ from CALENDARY_JWT_SECRET")
        return self

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        plain_token = _ReplicateClientToken(settings_cls, env_settings, dotenv_settings)
        return init_settings, env_settings, dotenv_settings, plain_token, file_secret_settings


class _ReplicateClientToken(PydanticBaseSettingsSource):
    """`REPLICATE_API_TOKEN`, the Replicate client's own variable, as `replicate.api_token`: from the environment or
    `.env`, below every CALENDARY_ variable (merged field by field into the nested model)."""

    def __init__(self, settings_cls: type[BaseSettings], *sources: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        # DotEnvSettingsSource is an EnvSettingsSource too; both hold their variables, case-normalised, in env_vars.
        self._sources = [source for source in sources if isinstance(source, EnvSettingsSource)]

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[object, str, bool]:
        return None, field_name, False  # unused: __call__ answers for the whole model

    def __call__(self) -> dict[str, object]:
        for source in self._sources:
            token = source.env_vars.get("replicate_api_token" if not source.case_sensitive else "REPLICATE_API_TOKEN")
            if token:
                return {"replicate": {"api_token": token}}
        return {}


@lru_cache
def get_settings() -> Settings:
    return Settings()
