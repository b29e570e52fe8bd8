"""A fresh, empty PostgreSQL database on the machine's server (127.0.0.1:5432, trust auth), dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

POSTGRES_ADMIN_DSN = os.environ.get("CALENDARY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


# A server that is (re)starting — after a reboot, or a person's `pg_ctlcluster restart` — is waited for, not failed on.
SERVER_START_SECONDS = 60.0


async def _admin(seconds: float = SERVER_START_SECONDS) -> asyncpg.Connection:
    """A new connection to the admin database, waiting up to `seconds` for a server that is (re)starting."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
        except (OSError, TimeoutError, asyncpg.CannotConnectNowError):
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Yields the new database's SQLAlchemy URL; raises OSError/TimeoutError when no server answers.

    Each step opens its own admin connection: the test may stop the server in between, and pytest-asyncio may tear
    the fixture down on another event loop than the one it was set up on."""
    name = f"calendary_{uuid.uuid4().hex[:12]}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
