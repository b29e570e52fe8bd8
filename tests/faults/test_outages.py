"""Minutes-long outages of PostgreSQL and of the object store (files and S3) only delay a generation: every variant
arrives, each paid once, no replacement burnt on an outage."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import OBJECTS_PER_VARIANT, Outcome
from testkit.faults.scenarios import VARIANTS, database_outage, storage_outages

pytestmark = pytest.mark.e2e

# The bar: PostgreSQL down 3+ minutes, the object store 2+.
POSTGRES_DOWN_SECONDS = 190.0
STORAGE_DOWN_SECONDS = 130.0


def _survived(outcome: Outcome) -> None:
    assert outcome.nothing_lost, outcome
    assert outcome.notes["numbers"] == list(range(1, VARIANTS + 1)), outcome
    assert outcome.objects == OBJECTS_PER_VARIANT * VARIANTS, outcome
    assert outcome.notes["billed"] == VARIANTS, outcome


@pytest.mark.postgres
async def test_a_postgres_outage_of_three_minutes_only_delays_the_generation(
        tmp_path: Path, fake: FakeReplicate) -> None:
    outcome = await database_outage(tmp_path, fake, POSTGRES_DOWN_SECONDS)
    _survived(outcome)
    assert outcome.notes["api_during_outage"] == 503  # the API says "try again later", not 500


@pytest.mark.s3
async def test_object_store_outages_of_two_minutes_only_delay_the_generation(
        tmp_path: Path, fake: FakeReplicate) -> None:
    for outcome in await storage_outages(tmp_path, fake, STORAGE_DOWN_SECONDS):
        _survived(outcome)
