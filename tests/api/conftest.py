from __future__ import annotations

from pathlib import Path

import pytest

from db.migrate import upgrade
from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope
from settings import Settings
from testkit.settings import make_settings


@pytest.fixture
async def seeded(database):  # noqa: ANN001, ANN201
    engine = make_engine(database.database_url)
    async with session_scope(make_session_factory(engine)) as session:
        templates = await seed_templates(session)
    await engine.dispose()
    return templates


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on a migrated SQLite file, then on a fresh PostgreSQL database (where the database matters).

    Synchronous on purpose: it pulls the async `postgres_url` fixture only for the PostgreSQL run, and migrates
    (Alembic runs its own event loop) while no loop is running.
    """
    overrides = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgres" else {}
    settings = make_settings(tmp_path, **overrides)
    upgrade(settings.database_url)
    return settings
