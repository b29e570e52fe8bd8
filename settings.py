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
# Argon2's cost (argon2-cffi's defaults): the least production accepts (see Settings.password_hash_time_cost).
DEFAULT_PASSWORD_HASH_TIME_COST = 3
DEFAULT_PASSWORD_HASH_MEMORY_KIB = 64 * 1024
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


def _rate_limit(value: str) -> str:
    from limits import parse  # the library that enforces it reads the same notation

    try:
        parse(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate: use e.g. '10/minute' or '100 per hour'") from None
    return value


# A rate in the `limits` notation: "10/minute", "5 per 15 minutes".
Rate = Annotated[str, AfterValidator(_rate_limit)]


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
    # A secured cluster or Temporal Cloud (temporal_client.py): TLS with the system's roots or this CA (and SNI
    # name), mTLS with a client certificate and key, and/or an API key (which turns TLS on by itself). Or
    # `temporal_profile`: a profile of the SDK's own config file / TEMPORAL_* variables, used instead of all these.
    temporal_tls: bool = False
    temporal_tls_server_name: str | None = None
    temporal_tls_ca_cert: Path | None = None
    temporal_tls_client_cert: Path | None = None
    temporal_tls_client_key: Path | None = None
    temporal_api_key: SecretStr | None = None
    temporal_profile: str | None = None
    task_queue: str = "calendar-generation"
    provider_task_queue: str = "calendar-generation-provider"
    # Enforced by the Temporal server across every worker of the provider queue (Replicate allows 600 creates/min).
    provider_activities_per_second: float = Field(default=10.0, gt=0)
    # Distinct prefixes let several deployments (staging, production) share one Temporal namespace.
    workflow_id_prefix: str = Field(default="calendar-generation", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    worker_max_concurrent_activities: int = Field(default=16, ge=1)
    # Variant scoring (docs/scoring.md): CPU work on its own queue, run in this many processes per worker, so it
    # never slows the provider's activities (which share the worker's event loop).
    scoring_task_queue: str = "calendar-generation-scoring"
    scoring_processes: int = Field(default=1, ge=1)
    # A variant whose best face is farther than this from the customer's reference faces does not look like them
    # (dlib embedding distance; calibrated with bench/scoring.py).
    likeness_threshold: float = Field(default=0.62, gt=0, lt=2)
    # Variants replaced automatically per generation because they showed no face or not the customer (each is a
    # paid synthesis on Replicate); past it, such variants stay, flagged.
    likeness_replacements: int = Field(default=3, ge=0)

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
    # Each API process keeps the template list this long (api/catalogue.py): an edit shows within it.
    template_cache_ttl: Duration = timedelta(seconds=30)

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
    # Argon2 hashes computed at once (each takes ~50-100 ms of a core and 64 MiB); more wait their turn, off the
    # event loop.
    password_hash_concurrency: int = Field(default=2, ge=1)
    # Argon2's cost per new hash: passes over this many KiB of memory (argon2-cffi's defaults, RFC 9106's second
    # recommendation). Lower only for a test suite, which signs up hundreds of accounts: production refuses less.
    # A hash keeps its own cost, so hashes made at any cost verify alike.
    password_hash_time_cost: int = Field(default=DEFAULT_PASSWORD_HASH_TIME_COST, ge=1)
    password_hash_memory_kib: int = Field(default=DEFAULT_PASSWORD_HASH_MEMORY_KIB, ge=32)  # 8 KiB per lane, 4 lanes
    # The event stream's ticket (EventSource can't send a header): good for opening one job's stream this soon.
    events_ticket_ttl: Duration = timedelta(seconds=60)
    # A password-reset link works this long, and once.
    password_reset_ttl: Duration = timedelta(hours=1)
    # A sign-up's confirmation link works this long (a person may read the e-mail the next day), and once.
    email_verification_ttl: Duration = timedelta(hours=48)

    # Rate limits (docs/api.md), each counted per client IP and per account (the e-mail for login and register,
    # the user for upload and generate): one more answers 429 with Retry-After. The counts live in
    # `rate_limit_storage`: `memory://` (each API process its own), or `redis://host:6379` shared by replicas
    # (needs `coredis`).
    rate_limit_login: Rate = "10/minute"
    rate_limit_register: Rate = "5/minute"
    rate_limit_upload: Rate = "30/minute"
    rate_limit_generate: Rate = "10/minute"
    rate_limit_storage: str = "memory://"

    # Uploads
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    min_short_side: int = Field(default=512, ge=1)
    max_photos_per_generation: int = Field(default=30, ge=1)
    # Photos decoded at once per API process (each up to max_image_pixels × 4 bytes); more uploads queue.
    image_decode_concurrency: int = Field(default=2, ge=1)
    # Request bodies, refused with 413 before they are read: an upload (all its files), a JSON body, a webhook.
    max_upload_request_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    max_json_bytes: int = Field(default=64 * 1024, ge=1)
    max_webhook_bytes: int = Field(default=1024 * 1024, ge=1)
    # Live event streams one user may hold open at once (a tab holds one); one more answers 429.
    max_streams_per_user: int = Field(default=5, ge=1)

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
    # Provider webhook events are deleted (by the reconciler's passes) once this old.
    webhook_event_retention: Duration = timedelta(days=30)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # API processes `manage.py run` starts on that port (uvicorn's --workers). Each keeps its own caches, stream
    # slots and live-events watcher, and with `rate_limit_storage = memory://` its own rate-limit counts.
    api_workers: int = Field(default=1, ge=1, le=32)

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
    def _temporal_mtls_pair(self) -> Settings:
        if (self.temporal_tls_client_cert is None) != (self.temporal_tls_client_key is None):
            raise ValueError("CALENDARY_TEMPORAL_TLS_CLIENT_CERT and _CLIENT_KEY go together (mTLS needs both)")
        if not self.temporal_tls and any((self.temporal_tls_ca_cert, self.temporal_tls_client_cert,
                                          self.temporal_tls_server_name)):
            raise ValueError("TLS files or a server name are set but CALENDARY_TEMPORAL_TLS is false")
        return self

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

    @model_validator(mode="after")
    def _production_password_hashing(self) -> Settings:
        if self.env == "production" and (self.password_hash_time_cost < DEFAULT_PASSWORD_HASH_TIME_COST
                                         or self.password_hash_memory_kib < DEFAULT_PASSWORD_HASH_MEMORY_KIB):
            raise ValueError("CALENDARY_PASSWORD_HASH_TIME_COST / _MEMORY_KIB below "
                             f"{DEFAULT_PASSWORD_HASH_TIME_COST} / {DEFAULT_PASSWORD_HASH_MEMORY_KIB}: cheap hashing "
                             "is for test suites, never production")
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
