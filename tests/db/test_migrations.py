"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL, and can be undone."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.migrate import downgrade, upgrade
from db.session import make_engine

EXPECTED_TABLES = {"user", "uploaded_file", "flux_model", "template", "training", "job",
                   "generated_calendar_variant", "user_calendar", "calendar_month", "webhook_event",
                   "calendar_rating", "ledger_entry", "quote"}


async def _schema_state(url: str) -> tuple[set[str], list]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        def inspect_schema(sync_connection):  # noqa: ANN001, ANN202
            tables = set(inspect(sync_connection).get_table_names()) - {"alembic_version"}
            diff = compare_metadata(MigrationContext.configure(sync_connection), SQLModel.metadata)
            return tables, diff

        result = await connection.run_sync(inspect_schema)
    await engine.dispose()
    return result


async def _round_trip(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    tables, diff = await _schema_state(url)
    assert tables == EXPECTED_TABLES
    assert diff == [], f"models and migrations disagree: {diff}"
    await asyncio.to_thread(downgrade, url)
    tables, _ = await _schema_state(url)
    assert tables == set()
    await asyncio.to_thread(upgrade, url)
    tables, _ = await _schema_state(url)
    assert tables == EXPECTED_TABLES


async def test_migrations_on_sqlite(settings) -> None:  # noqa: ANN001
    await _round_trip(settings.database_url)


@pytest.mark.postgres
async def test_migrations_on_postgres(postgres_url: str) -> None:
    await _round_trip(postgres_url)
