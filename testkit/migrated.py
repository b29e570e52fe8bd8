"""Databases at the head revision, and seeded stacks, for tests — without redoing the same work for each one.

Alembic's 14 revisions cost ~0.4 s of CPU and a few fsyncs per database, and the suite starts some 300 databases.
A SQLite database is a copy of one file migrated once per process (SQLite's backup API: a consistent copy whatever
the journal mode); any other database is migrated by Alembic as usual. tests/db/test_migrations.py runs the
revisions themselves.

`manage.py seed` draws ten theme previews into a new file store (~2 s of CPU); `seed` gives a file store the previews
drawn once per process, then runs the seed, which finds them and draws nothing (as on a re-run: tests/db/test_seed.py
and tests/api/test_media.py draw them afresh).
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import sqlite3
import tempfile
import threading
from contextlib import closing
from pathlib import Path

import manage
from db.migrate import upgrade
from settings import Settings

_SQLITE = "sqlite+aiosqlite:///"
_lock = threading.Lock()
_template: Path | None = None
_seeded_store: Path | None = None


def migrate(settings: Settings) -> None:
    """`settings`' database at head, as `manage.py migrate` leaves it (blocking: Alembic runs its own event loop)."""
    if not settings.database_url.startswith(_SQLITE):
        upgrade(settings.database_url)
        return
    target = Path(settings.database_url.removeprefix(_SQLITE))
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(_migrated_template())) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


def _migrated_template() -> Path:
    global _template
    with _lock:
        if _template is None:
            folder = Path(tempfile.mkdtemp(prefix="calendary-migrated-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            upgrade(f"{_SQLITE}{folder / 'calendary.db'}")
            _template = folder / "calendary.db"
        return _template


async def seed(settings: Settings) -> None:
    """`manage.py seed` on `settings`' (migrated) database and store; a file store starts with the theme previews."""
    global _seeded_store
    if settings.storage_backend == "fs":
        if _seeded_store is None:
            folder = Path(tempfile.mkdtemp(prefix="calendary-seeded-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            drawn = settings.model_copy(update={"database_url": f"{_SQLITE}{folder / 'calendary.db'}",
                                                "storage_dir": folder / "storage"})
            await asyncio.to_thread(migrate, drawn)
            await manage.seed(drawn)
            _seeded_store = drawn.storage_dir
        shutil.copytree(_seeded_store, settings.storage_dir, dirs_exist_ok=True)
    await manage.seed(settings)
