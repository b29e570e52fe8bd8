"""Real activities on a real database — SQLite, and PostgreSQL where it runs — with the embedded file store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from activities.deps import ActivityDeps
from testkit.migrated import migrate, seed
from testkit.settings import make_settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return make_settings(tmp_path).database_url


@pytest.fixture
async def deps(database_url: str, tmp_path: Path) -> AsyncIterator[ActivityDeps]:
    settings = make_settings(tmp_path, database_url=database_url)
    await asyncio.to_thread(migrate, settings)
    await seed(settings)
    built = await ActivityDeps.from_settings(settings)
    yield built
    await built.close()
