"""The HTTP API: app factory and lifespan (engine, storage, one Temporal client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from temporalio.client import Client

from api.body_limits import BodyLimits
from api.catalogue import TemplateCatalogue
from api.errors import install_error_handlers
from api.live_events import LiveEvents
from api.log_redaction import redact_tokens_in_access_log
from api.openapi import install_openapi, operation_id
from api.rate_limits import RateLimits
from api.request_telemetry import RequestTelemetry
from api.routers import (
    account,
    auth,
    calendars,
    config,
    events,
    generations,
    health,
    me,
    media,
    metrics,
    photos,
    quotes,
    ratings,
    showcase,
    templates,
    web,
    webhooks,
)
from api.security import Passwords
from api.streams import StreamSlots
from api.temporal import TemporalConnection
from db.session import make_engine, make_session_factory
from ops.logs import configure_logging
from services.eta import LatencyMedians
from services.showcase import Showcase
from settings import Settings, get_settings
from storage import Storage, make_storage

API_DESCRIPTION = """AI-styled photo calendars: upload photos, pick a theme, choose 12 of 24 variants.

Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`: read the code, never the
English `detail`. docs/api.md lists every code, what a client should do about it, and the compatibility policy."""
TAGS = [
    {"name": "auth", "description": "Accounts: register, log in, get a bearer token."},
    {"name": "config", "description": "Limits the client needs (upload size, photo count...)."},
    {"name": "photos", "description": "Upload, list and delete photos."},
    {"name": "templates", "description": "Themes a calendar can be generated in."},
    {"name": "generations", "description": "Generate variants, follow them, choose 12, regenerate, cancel."},
    {"name": "calendars", "description": "Finished calendars: read, download, edit."},
    {"name": "webhooks", "description": "For the image provider only."},
    {"name": "account", "description": "The caller's account: e-mail language and reminders."},
]


def create_app(settings: Settings | None = None, *, storage: Storage | None = None,
               temporal: Client | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_tokens_in_access_log()
        configure_logging(settings.log_format, settings.log_level)
        engine = make_engine(settings.database_url)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = make_session_factory(engine)
        app.state.passwords = Passwords(settings)
        app.state.rate_limits = RateLimits(settings)
        app.state.streams = StreamSlots(settings.max_streams_per_user)
        app.state.decoding = CapacityLimiter(settings.image_decode_concurrency)
        app.state.storage = storage or make_storage(settings)
        app.state.templates = TemplateCatalogue(settings.template_cache_ttl.total_seconds())
        app.state.latencies = LatencyMedians()
        app.state.showcase = Showcase()
        await app.state.storage.start()
        app.state.live_events = LiveEvents(app.state.sessions, app.state.storage, app.state.latencies, settings)
        app.state.temporal = TemporalConnection(settings, temporal)
        warm_up = asyncio.create_task(app.state.temporal.get())  # never blocks start-up
        yield
        warm_up.cancel()
        await app.state.live_events.close()
        await engine.dispose()

    # FastAPI's built-in /docs and /redoc load their scripts from a CDN; the offline copy lives at /api/docs.
    app = FastAPI(title="Calendary", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description=API_DESCRIPTION, openapi_tags=TAGS, generate_unique_id_function=operation_id)

    install_error_handlers(app)
    app.add_middleware(BodyLimits, settings=settings)  # inside the telemetry: a 413 is logged and counted too
    app.add_middleware(RequestTelemetry)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> RedirectResponse:
        return RedirectResponse("/api/docs")

    for module in (auth, config, photos, templates, quotes, generations, events, calendars, webhooks, media, web,
                   ratings, me, account, health, metrics, showcase):
        app.include_router(module.router)
    install_openapi(app)
    return app
