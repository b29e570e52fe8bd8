"""Engine, session factory, the unit of work, and what a database error means. SQLite (embedded default) and
PostgreSQL (production) behave the same here."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def make_engine(database_url: str, *, writes: bool = False) -> AsyncEngine:
    """`writes`: nearly every transaction on this engine writes (the worker's activities)."""
    if database_url.startswith("sqlite"):
        # The API and the worker share one SQLite file: WAL lets readers and a writer proceed together, and
        # the busy timeout turns a brief lock into a wait instead of an error.
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            if writes:
                dbapi_connection.isolation_level = None  # BEGIN is ours (below), not the driver's

        @event.listens_for(engine.sync_engine, "invalidate")
        def _end_interrupted_transaction(dbapi_connection, _record, _error) -> None:  # noqa: ANN001
            # A cancelled task can leave a statement of this connection unfinished; SQLite then keeps the closed
            # connection alive as a "zombie" until that statement is garbage-collected — with its transaction and
            # its write lock, so every other writer times out. Rolling back first (queued on the connection's own
            # thread, ahead of the close SQLAlchemy is about to queue) releases the lock whatever becomes of it.
            connection = getattr(dbapi_connection, "driver_connection", None)
            if connection is not None:
                _queue_rollback(connection)

        if writes:
            # A transaction that reads and then writes can't wait for a lock: once another connection committed
            # after its first read, SQLite answers "database is locked" at once, busy timeout or not. Taking the
            # write lock at BEGIN makes it wait its turn instead (SQLAlchemy's recipe for pysqlite/aiosqlite).
            @event.listens_for(engine.sync_engine, "begin")
            def _begin_immediate(connection) -> None:  # noqa: ANN001
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(database_url, pool_pre_ping=True)


_pending_rollbacks: set[asyncio.Task[None]] = set()


def _queue_rollback(connection: Any) -> None:  # aiosqlite's Connection
    async def rollback_quietly() -> None:
        with suppress(ValueError, sqlite3.Error):  # already closed: then nothing holds the lock either
            await connection.rollback()

    try:
        task = asyncio.get_running_loop().create_task(rollback_quietly())
    except RuntimeError:  # invalidated outside the event loop (interpreter shutdown): the process ends anyway
        return
    _pending_rollbacks.add(task)
    task.add_done_callback(_pending_rollbacks.discard)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work: commit on success, roll back on any error, so nothing is half-written."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# SQLSTATE classes (PostgreSQL) of failures that say nothing about the request and pass with time: connection
# exceptions, insufficient resources, operator intervention (shutdown, "cannot connect now"), system errors, a
# transaction to retry (serialization failure, deadlock), an object in use or a database closed to connections.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "55", "57", "58", "25006")


def database_unavailable(err: BaseException) -> bool:
    """The database could not do the work right now (unreachable, restarting, locked, lost the connection)."""
    if isinstance(err, (ConnectionError, TimeoutError, SATimeoutError)):  # asyncpg's connect raises these bare
        return True
    if not isinstance(err, DBAPIError) or isinstance(err, IntegrityError):
        return False
    if err.connection_invalidated or isinstance(err, (OperationalError, InterfaceError)):
        return True  # SQLite's "database is locked" / "unable to open database file" are OperationalErrors
    sqlstate = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
    return bool(sqlstate) and str(sqlstate).startswith(_TRANSIENT_SQLSTATE_PREFIXES)


def connection_lost(err: BaseException) -> bool:
    """The connection died under the statement: a COMMIT sent on it may or may not have been applied."""
    return isinstance(err, (ConnectionError, InterfaceError)) or (
        isinstance(err, DBAPIError) and err.connection_invalidated)
