"""A request's unit of work: one database transaction, and the object-storage writes that go with it.

The order across the two stores is fixed here, for every route:

* objects a request writes are stored *before* the rows that point at them, and deleted again when those rows
  do not commit (the route failed, or the commit itself did);
* objects a request releases (a deleted photo's image) are deleted only *after* the commit.

A crash between the steps therefore leaves at most an object no row points at — harmless, and found by a sweep of
unreferenced keys — and never a row pointing at a missing object. When the connection dies during the COMMIT
itself, the outcome is unknown: the written objects are then deleted only if the database, asked afresh, has no
row pointing at them, and kept (for the sweep) if it cannot answer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from db.files import referenced_keys
from db.session import connection_lost, session_scope
from storage import Storage

log = logging.getLogger(__name__)


class StoredObjects:
    """The objects a unit of work writes and releases; see the module docs for when each is deleted."""

    def __init__(self, storage: Storage, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._storage, self._sessions = storage, sessions
        self._written: list[str] = []
        self._released: list[str] = []

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self._written.append(key)  # before the write: a write that fails half-way is cleaned up too
        await self._storage.put(key, data, content_type)

    def delete_after_commit(self, keys: list[str]) -> None:
        self._released.extend(keys)

    async def committed(self) -> None:
        # The rows no longer point here: a failure now leaves only unreferenced objects, not worth an error.
        await self._delete(self._released, "released objects stay until the sweep")

    async def not_committed(self, *, outcome_unknown: bool) -> None:
        keys = self._written
        if keys and outcome_unknown:
            try:
                async with self._sessions() as session:
                    keys = sorted(set(keys) - await referenced_keys(session, keys))
            except Exception:  # noqa: BLE001 — the database can't tell: keeping an object is the safe side
                log.warning("commit outcome unknown; kept %d written objects for the sweep", len(keys))
                return
        await self._delete(keys, "written objects stay until the sweep")

    async def _delete(self, keys: list[str], consequence: str) -> None:
        for key in keys:
            try:
                await self._storage.delete(key)
            except Exception:  # one lost delete must not hide the request's own outcome
                log.warning("could not delete %s; %s", key, consequence, exc_info=True)


@dataclass(frozen=True)
class UnitOfWork:
    session: AsyncSession
    objects: StoredObjects


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession], storage: Storage) -> AsyncIterator[UnitOfWork]:
    """Commits when the block succeeds, rolls back when it raises; stored objects follow the outcome."""
    objects = StoredObjects(storage, sessions)
    committing = False
    try:
        async with session_scope(sessions) as session:
            yield UnitOfWork(session, objects)
            committing = True  # the block is done: what fails from here on is the COMMIT itself
    except BaseException as err:
        await objects.not_committed(outcome_unknown=committing and connection_lost(err))
        raise
    await objects.committed()
