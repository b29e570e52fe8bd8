"""A cancelled task must not leave SQLite locked: activities are cancelled mid-statement (worker shutdown, a
cancelled generation), and a lock left behind would stall every later writer until its busy timeout."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

from sqlalchemy import text

from db.session import make_engine, make_session_factory, session_scope


def _write_lock_is_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


async def test_a_transaction_cut_off_by_cancellation_releases_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "calendary.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}", writes=True)  # BEGIN IMMEDIATE: every transaction locks
    sessions = make_session_factory(engine)
    async with session_scope(sessions) as session:
        await session.exec(text("CREATE TABLE t (x INTEGER)"))  # type: ignore[call-overload]
        await session.exec(text("INSERT INTO t VALUES (1), (2), (3)"))  # type: ignore[call-overload]

    async def keep_reading() -> None:  # like a provider activity polling for its webhook
        while True:
            async with sessions() as reader:
                await reader.exec(text("SELECT count(*) FROM t a, t b, t c"))  # type: ignore[call-overload]

    rng = random.Random(7)
    locked_after = []
    try:
        for attempt in range(60):
            task = asyncio.create_task(keep_reading())
            await asyncio.sleep(rng.random() * 0.01)  # cut it off anywhere: in BEGIN, mid-statement, in close
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0)  # let the clean-up queued by the cancellation start
            if not _write_lock_is_free(path):
                locked_after.append(attempt)
    finally:
        await engine.dispose()
    assert locked_after == []
