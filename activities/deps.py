"""What activities need from the outside world, built once per worker process and shared by every activity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from db.session import make_engine, make_session_factory
from imaging.providers import make_provider
from imaging.providers.base import ImageProvider
from settings import Settings
from storage import Storage, make_storage


@dataclass
class ActivityDeps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    provider: ImageProvider

    @classmethod
    async def from_settings(cls, settings: Settings, provider: ImageProvider | None = None) -> ActivityDeps:
        engine = make_engine(settings.database_url)
        storage = make_storage(settings)
        await storage.start()
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            storage=storage,
            provider=provider or make_provider(settings.provider, **provider_options(settings)),
        )

    async def close(self) -> None:
        await self.engine.dispose()


def provider_options(settings: Settings) -> dict[str, object]:
    """Constructor options for the configured provider (the local one needs none)."""
    if settings.provider == "replicate":
        from imaging.providers.replicate import ReplicateConfig  # only production installs need its settings

        return {"config": ReplicateConfig.from_settings(settings)}
    return {}
