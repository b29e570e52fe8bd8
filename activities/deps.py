"""What activities need from the outside world, built once per worker process and shared by every activity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.cpu_pool import cpu_pool
from db.models import WebhookEvent
from db.session import make_engine, make_session_factory
from imaging.providers import make_provider
from imaging.providers.base import ImageProvider
from settings import Settings
from storage import Storage, make_storage

_RUNNING_STATUSES = ("starting", "processing")


@dataclass
class ActivityDeps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    provider: ImageProvider
    owns_provider: bool = False  # built here (and so closed here) rather than passed in
    _cpu_pool: ProcessPoolExecutor | None = field(default=None, repr=False)

    def cpu_pool(self) -> ProcessPoolExecutor:
        """Processes for CPU-bound work (activities.cpu_pool), started on first use: the GIL and the worker's event
        loop stay free for the provider's and the database's activities. Each process loads the face models once."""
        if self._cpu_pool is None:
            self._cpu_pool = cpu_pool(self.settings.scoring_processes)
        return self._cpu_pool

    def replace_cpu_pool(self) -> None:
        """After a pool process died (killed, out of memory) the pool refuses all work: the next use starts anew."""
        if self._cpu_pool is not None:
            self._cpu_pool.shutdown(wait=False, cancel_futures=True)
            self._cpu_pool = None

    @classmethod
    async def from_settings(cls, settings: Settings, provider: ImageProvider | None = None) -> ActivityDeps:
        # Connects lazily: nothing to clean up if the provider fails.
        engine = make_engine(settings.database_url, writes=True)
        sessions = make_session_factory(engine)
        owns_provider = provider is None
        if provider is None:  # first, so that a misconfigured provider stops the worker before anything starts
            provider = make_provider(settings.provider, **provider_options(settings, sessions))
        storage = make_storage(settings)
        await storage.start()
        return cls(settings=settings, engine=engine, sessions=sessions, storage=storage, provider=provider,
                   owns_provider=owns_provider)

    async def close(self) -> None:
        if self._cpu_pool is not None:
            self._cpu_pool.shutdown(wait=False, cancel_futures=True)
        try:
            aclose = getattr(self.provider, "aclose", None) if self.owns_provider else None
            if aclose is not None:
                await aclose()
        finally:
            await self.engine.dispose()


def provider_options(
    settings: Settings, sessions: async_sessionmaker[AsyncSession] | None = None
) -> dict[str, object]:
    """Constructor options for the configured provider (the local one needs none)."""
    if settings.provider == "replicate":
        options: dict[str, object] = {"settings": settings.replicate}
        if sessions is not None:
            options["status_hint"] = webhook_status_reader(sessions)
        return options
    return {}


def webhook_status_reader(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[str], Awaitable[dict[str, Any] | None]]:
    """The provider's `status_hint`: the newest final status our webhook route stored for a job, if any."""

    async def final_status(provider_ref: str) -> dict[str, Any] | None:
        query = (select(WebhookEvent)
                 .where(WebhookEvent.provider_ref == provider_ref, col(WebhookEvent.status).not_in(_RUNNING_STATUSES))
                 .order_by(col(WebhookEvent.received_at).desc(), col(WebhookEvent.id).desc()).limit(1))
        async with sessions() as session:
            event = (await session.exec(query)).first()
        return event.payload if event is not None else None

    return final_status
