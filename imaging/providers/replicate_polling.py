"""When to read a running job from Replicate: first when jobs like it usually finish, then ever less often.

Replicate allows 3000 API calls a minute per account besides creates, for every worker together. Reading each job
every second spends them on polling alone (~50 jobs in flight at the seed's 30–50 s per image). Instead the first
read of a job comes when jobs of its kind have recently taken to finish — counted from the job's server-side
`created_at`, so a resumed attempt does not start over — and each later read waits `factor` times longer than the
one before, up to a cap. A job that runs as long as usual is read about once; one that runs late costs a few reads.

How long jobs take is learned per worker process: a running average of the creation-to-completion time of the
jobs it saw succeed, starting from a setting (`expected_*_seconds`). Webhooks, when configured, still end a wait
as soon as they arrive (imaging/providers/replicate_push.py); this schedule is what is left without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging.providers.replicate_api import JobKind, JobSnapshot
from imaging.providers.replicate_settings import ReplicateSettings

# How much the newest finished job moves the average: about the last ten jobs count.
_WEIGHT = 0.2


class ExpectedDuration:
    """The running average of how long jobs of one kind took from creation to success, in seconds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def observe(self, job: JobSnapshot) -> None:
        took = job.run_seconds
        if job.status == "succeeded" and took is not None and took >= 0:
            self.seconds += _WEIGHT * (took - self.seconds)


@dataclass(frozen=True)
class PollSchedule:
    """`interval` after the expected end, then `factor` times longer each time, never more than `max_interval`."""

    expected: ExpectedDuration
    interval: float
    factor: float
    max_interval: float

    def start(self) -> PollClock:
        return PollClock(self)


class PollClock:
    """The delays of one wait: call `next_delay` before each read."""

    def __init__(self, schedule: PollSchedule) -> None:
        self._schedule = schedule
        self._first = True
        self._late_reads = 0

    def next_delay(self, age_seconds: float) -> float:
        """Seconds until the next read of a job `age_seconds` old (since its creation)."""
        schedule = self._schedule
        until_expected = schedule.expected.seconds - age_seconds
        first, self._first = self._first, False
        if first and until_expected > 0:
            return until_expected
        delay = min(schedule.max_interval, schedule.interval * schedule.factor ** self._late_reads)
        self._late_reads += 1
        return delay


def poll_schedules(settings: ReplicateSettings) -> dict[JobKind, PollSchedule]:
    """One schedule per kind of job, each learning its own kind's duration."""
    def schedule(expected: float, interval: float) -> PollSchedule:
        return PollSchedule(ExpectedDuration(expected), interval=interval, factor=settings.poll_backoff_factor,
                            max_interval=settings.max_poll_interval_seconds)

    return {"prediction": schedule(settings.expected_prediction_seconds, settings.poll_interval_seconds),
            "training": schedule(settings.expected_training_seconds, settings.training_poll_interval_seconds)}
