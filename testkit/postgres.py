"""A fresh, empty PostgreSQL database on the machine's server (127.0.0.1:5432, trust auth), dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

POSTGRES_ADMIN_DSN = os.environ.get("CALENDARY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Yields the new database's SQLAlchemy URL; raises OSError/TimeoutError when no server answers."""
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    name = f"calendary_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        if admin.is_closed():  # a test that stopped the server leaves a dead admin connection behind
            admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=30)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
