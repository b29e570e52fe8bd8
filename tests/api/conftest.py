from __future__ import annotations

import pytest

from db.seed import seed_templates
from db.session import make_engine, make_session_factory, session_scope


@pytest.fixture
async def seeded(database):  # noqa: ANN001, ANN201
    engine = make_engine(database.database_url)
    async with session_scope(make_session_factory(engine)) as session:
        templates = await seed_templates(session)
    await engine.dispose()
    return templates
