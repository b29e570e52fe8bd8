"""Shared fixtures: settings on a temporary SQLite file and folder, a migrated database, the API in-process."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade
from settings import Settings
from testkit.settings import make_settings
from tests.fakes.s3 import moto_s3_endpoint  # noqa: F401  (session fixture shared by every test folder)

POSTGRES_ADMIN_DSN = os.environ.get("CALENDARY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def database(settings: Settings) -> Settings:
    """A migrated database (Alembic's env runs its own event loop, hence the thread)."""
    await asyncio.to_thread(upgrade, settings.database_url)
    return settings


async def _postgres_admin():  # noqa: ANN202
    import asyncpg

    return await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test; skipped only outside CI when no server answers."""
    try:
        admin = await _postgres_admin()
    except (TimeoutError, OSError) as err:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run under CI: {err}")
        pytest.skip(f"PostgreSQL not reachable: {err}")
    name = f"calendary_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def app_client(database: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from testkit.api import running_api

    async with running_api(database) as client:
        yield client


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """One Temporal dev server for the whole run (tests isolate themselves by task queue and id prefix)."""
    from testkit.temporal import start_dev_server

    env = await start_dev_server()
    yield env
    await env.shutdown()
