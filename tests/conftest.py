"""Shared fixtures: settings on a temporary SQLite file and folder, a migrated database, the API in-process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from testkit.migrated import migrate
from testkit.postgres import fresh_database
from testkit.settings import make_settings
from tests.fakes.s3 import moto_s3_endpoint  # noqa: F401  (session fixture shared by every test folder)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def database(settings: Settings) -> Settings:
    """A migrated database (testkit.migrated: a copy of SQLite at head; Alembic's env runs its own event loop, hence
    the thread)."""
    await asyncio.to_thread(migrate, settings)
    return settings


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test; skipped only outside CI when no server answers."""
    try:
        async with fresh_database() as url:
            yield url
    except (TimeoutError, OSError) as err:
        if IN_CI:
            pytest.fail(f"PostgreSQL must run under CI: {err}")
        pytest.skip(f"PostgreSQL not reachable: {err}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on a migrated SQLite file, then on a fresh PostgreSQL database (where the database matters).

    Synchronous on purpose: it pulls the async `postgres_url` fixture only for the PostgreSQL run, and migrates
    (Alembic runs its own event loop) while no loop is running.
    """
    overrides = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgres" else {}
    settings = make_settings(tmp_path, **overrides)
    migrate(settings)
    return settings


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault suite first: its tests are the longest (minutes of outages and kills, mostly waiting), so started
    first they run beside the rest of the suite on the other xdist workers instead of after it."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/faults/"))
