"""Cancel at every stage, from the API and from Temporal, on SQLite and PostgreSQL; Replicate refusing to work.

Every stage is cancelled on both databases, and from both sources: from the API on the stack `manage.py run` starts
(SQLite), by an operator through Temporal on the same stack with PostgreSQL. Which source a cancel came from is
decided before the database is touched (the API's cancel only asks Temporal), so each source runs on one database
and the suite runs ten customers, not twenty.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.fake_replicate.server import FakeReplicate
from testkit.faults.evidence import Outcome
from testkit.faults.scenarios import CANCEL_STAGES, KEEPS_CALENDAR, cancel_matrix, provider_refuses
from testkit.faults.stacks import supervised_stack

pytestmark = pytest.mark.e2e


def _check_cancel(outcome: Outcome, stage: str, source: str) -> None:
    assert outcome.notes["seen"] == stage, f"the cancel was meant for {stage}: {outcome}"
    assert outcome.nothing_lost, outcome
    if stage in KEEPS_CALENDAR:
        # The selection was accepted: the calendar is made whole and the cancel is refused (API) or reported.
        assert outcome.notes["months"] == 12 and outcome.lost == 0, outcome
        assert outcome.objects > 0, "the chosen months' images must still be in storage"
        if source == "api":
            assert outcome.notes["answer"] == 409, outcome
    else:
        # Nothing half-kept: no variant row, no variant object (the listing proves it).
        assert (outcome.variants, outcome.objects) == (0, 0), outcome
        if source == "api":
            assert outcome.notes["answer"] == 202, outcome
    if source == "temporal" and stage != "completed":
        # Temporal accepts an operator's cancel of a running workflow; the workflow decides what it means. (Once the
        # job shows completed the run may have closed already, and Temporal refuses: either way nothing changes.)
        assert outcome.notes["answer"] == 0, outcome.notes["cli"]


@pytest.fixture(params=[pytest.param(("sqlite", "api"), id="sqlite-api"),
                        pytest.param(("postgres", "temporal"), id="postgres-temporal", marks=pytest.mark.postgres)])
def database_and_source(request: pytest.FixtureRequest) -> tuple[dict[str, str], str]:
    """The stack's database (its SQLite file, or a fresh PostgreSQL database) and where its cancels come from."""
    database, source = request.param
    variables = {"CALENDARY_DATABASE_URL": request.getfixturevalue("postgres_url")} if database == "postgres" else {}
    return variables, source


async def test_cancel_at_every_stage_leaves_one_documented_end_state(
        tmp_path: Path, fake: FakeReplicate, database_and_source: tuple[dict[str, str], str]) -> None:
    variables, source = database_and_source
    async with supervised_stack(tmp_path, fake=fake, **variables) as stack:
        outcomes = await cancel_matrix(stack, tmp_path.name, (source,))
    cases = [(stage, source) for stage in CANCEL_STAGES]
    for outcome, (stage, source) in zip(outcomes, cases, strict=True):
        _check_cancel(outcome, stage, source)


async def test_replicate_refusing_the_account_fails_the_job_with_a_reason_and_retries_nothing(
        tmp_path: Path, fake: FakeReplicate) -> None:
    async with supervised_stack(tmp_path, fake=fake) as stack:
        outcomes = {status: await provider_refuses(stack, status) for status in (401, 402)}
        max_parallel = stack.settings.max_parallel
    for status, outcome in outcomes.items():
        assert outcome.status == "failed" and outcome.nothing_lost, outcome
        # Each variant activity tried once and stopped: an account error is not retried or replaced.
        assert 1 <= outcome.notes["creates"] <= max_parallel, outcome
        assert outcome.notes["billed"] == 0 and (outcome.variants, outcome.objects) == (0, 0), outcome
        # Operators get a reason they can act on (which setting to fix, where to add credit); the customer a code
        # and a sentence, never the provider's words.
        assert {401: "REPLICATE_API_TOKEN", 402: "add credit"}[status] in (outcome.reason or ""), outcome
        assert outcome.notes["code"] == "generation_failed" and "Replicate" not in outcome.notes["shown"], outcome
