"""Adaptive polling (imaging/providers/replicate_polling.py): a job is read first when jobs like it usually finish,
then ever less often; webhooks still end a wait at once, and deadlines still hold."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from imaging.providers.base import ProviderJobFailed
from imaging.providers.replicate_api import JobSnapshot
from imaging.providers.replicate_polling import ExpectedDuration, PollSchedule
from testkit.fake_replicate.server import FakeReplicate
from tests.replicate.conftest import ProviderFactory, synthesis_request
from tests.replicate.test_push import SinkEvents

LATENCY = 0.6  # starting + processing of every fake prediction here


def _schedule(expected: float) -> PollSchedule:
    return PollSchedule(ExpectedDuration(expected), interval=2.0, factor=1.5, max_interval=5.0)


def _finished(status: str, took: float) -> JobSnapshot:
    created = datetime(2027, 1, 1, tzinfo=UTC)
    return JobSnapshot.from_json({"id": "p1", "status": status, "created_at": created.isoformat(),
                                  "completed_at": (created + timedelta(seconds=took)).isoformat()})


def test_the_first_read_comes_when_the_job_is_expected_done_then_each_wait_grows_to_the_cap() -> None:
    clock = _schedule(expected=30).start()

    delays = [clock.next_delay(age) for age in (1.0, 30.0, 32.0, 35.0, 39.5, 44.0, 49.0)]

    assert delays == [29.0, 2.0, 3.0, 4.5, 5.0, 5.0, 5.0]


def test_a_job_older_than_expected_is_read_after_the_first_interval() -> None:
    """A resumed or adopted job was just read: the next read backs off from there."""
    assert _schedule(expected=30).start().next_delay(45.0) == 2.0


def test_the_expected_duration_follows_the_jobs_that_succeeded() -> None:
    expected = ExpectedDuration(30.0)

    for _ in range(30):
        expected.observe(_finished("succeeded", 10.0))
    expected.observe(_finished("failed", 300.0))  # a failure says nothing of how long a good image takes
    expected.observe(JobSnapshot.from_json({"id": "p2", "status": "succeeded"}))  # no timestamps: ignored

    assert expected.seconds == pytest.approx(10.0, abs=0.1)


@pytest.fixture
def timed(fake: FakeReplicate) -> FakeReplicate:
    fake.set_prediction_timing(starting_seconds=0.1, processing_seconds=LATENCY - 0.1)
    return fake


async def test_a_prediction_as_long_as_expected_is_read_about_once(timed: FakeReplicate,
                                                                    make_provider: ProviderFactory) -> None:
    fixed = make_provider()  # the conftest's fixed 20 ms polling
    await fixed.generate(synthesis_request(timed.add_trained_version(), variant=0))
    polled = timed.requests_per_route()["get_prediction"]

    adaptive = make_provider(expected_prediction_seconds=LATENCY, poll_interval_seconds=0.1, poll_backoff_factor=2.0)
    result = await adaptive.generate(synthesis_request(timed.add_trained_version(), variant=1))

    reads = timed.requests_per_route()["get_prediction"] - polled
    assert result.image and timed.billed_predictions() == 2
    assert 1 <= reads <= 3 < polled, (reads, polled)


async def test_a_worker_learns_how_long_predictions_take(timed: FakeReplicate,
                                                         make_provider: ProviderFactory) -> None:
    provider = make_provider(expected_prediction_seconds=5.0, poll_interval_seconds=0.05, poll_backoff_factor=2.0)
    provider._schedules["prediction"].expected.seconds = 0.0  # noqa: SLF001 — as if its first jobs had been instant
    version = timed.add_trained_version()

    for variant in range(3):
        await provider.generate(synthesis_request(version, variant=variant))

    learned = provider._schedules["prediction"].expected.seconds  # noqa: SLF001
    took = [job.completed_at - job.created_at for job in timed.predictions()]  # type: ignore[operator]
    assert 0 < learned < max(took)  # moving from 0 towards what the jobs took (0.2 of the way per job)
    assert learned == pytest.approx(sum(0.2 * 0.8 ** (2 - n) * t for n, t in enumerate(took)), rel=0.05)


async def test_a_webhook_ends_the_wait_before_the_first_read_is_due(fake: FakeReplicate,
                                                                    make_provider: ProviderFactory) -> None:
    provider = make_provider(SinkEvents(fake), expected_prediction_seconds=60.0)
    began = time.monotonic()

    result = await provider.generate(synthesis_request(fake.add_trained_version()))

    assert result.image and time.monotonic() - began < 30  # the first read was due after 60 s
    assert fake.requests_per_route()["get_prediction"] == 0


async def test_backing_off_never_skips_the_starting_deadline(fake: FakeReplicate,
                                                             make_provider: ProviderFactory) -> None:
    fake.script_predictions("stuck")
    provider = make_provider(expected_prediction_seconds=0.1, poll_interval_seconds=0.05, poll_backoff_factor=2.0,
                             max_poll_interval_seconds=0.2, starting_deadline_seconds=0.5)

    with pytest.raises(ProviderJobFailed, match="stuck in starting"):
        await provider.generate(synthesis_request(fake.add_trained_version()))

    assert fake.predictions()[0].status == "canceled"
    assert fake.requests_per_route()["get_prediction"] <= 8  # 0.1, then 0.05, 0.1, 0.2, 0.2...: a handful
