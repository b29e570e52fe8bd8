"""The supervisor's rules, on small real processes (Python one-liners) and fast policies."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ops.supervisor import GAVE_UP, Policy, Service, Supervisor, port_open
from testkit.embedded import alive

FAST = Policy(first_delay=0.05, max_delay=0.2, stable_after=60, max_failed_starts=3, ready_timeout=30,
              stop_timeout=10, tick=0.02)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


SLEEPS = python("import time; time.sleep(120)")


class Watch(logging.Handler):
    """Every supervisor message; `when(pattern, count, action)` acts in the supervisor's own thread once
    `pattern` has been logged `count` times."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self._actions: list[tuple[str, int, Callable[[], None]]] = []

    def when(self, pattern: str, count: int, action: Callable[[], None]) -> None:
        self._actions.append((pattern, count, action))

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        for pattern, count, action in list(self._actions):
            if self.count(pattern) == count:
                self._actions.remove((pattern, count, action))
                action()

    def count(self, pattern: str) -> int:
        return sum(bool(re.search(pattern, message)) for message in self.messages)

    def pids(self, name: str) -> list[int]:
        return [int(m.group(1)) for message in self.messages if (m := re.fullmatch(rf"started {name} \(pid (\d+)\)",
                                                                                  message))]

    def delays(self, name: str) -> list[float]:
        return [float(m.group(1)) for message in self.messages
                if (m := re.fullmatch(rf"restarting {name} in ([\d.]+) s", message))]


@pytest.fixture
def watch() -> Iterator[Watch]:
    handler = Watch()
    logger = logging.getLogger("calendary.supervisor")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_a_service_that_never_becomes_ready_is_given_up_after_a_few_starts_with_doubling_delays(
        watch: Watch) -> None:
    supervisor = Supervisor([Service("flaky", python("import sys; sys.exit(3)"), ready_after=60)], policy=FAST)

    assert supervisor.run() == GAVE_UP == 1

    assert watch.count(r"^flaky \(pid \d+\) exited with code 3 after") == 3
    assert watch.delays("flaky") == [0.05, 0.1]
    assert watch.count("flaky failed 3 starts in a row without becoming ready: stopping everything") == 1
    assert all(not alive(pid) for pid in watch.pids("flaky"))


def test_a_configuration_error_stops_everything_at_once_without_a_restart(watch: Watch) -> None:
    steady = Service("steady", SLEEPS, ready_after=0.1)
    misconfigured = Service("misconfigured", python("import sys; sys.exit(78)"), ready_after=60)

    assert Supervisor([steady, misconfigured], policy=FAST).run() == os.EX_CONFIG == 78

    assert watch.count(r"misconfigured reported a configuration error \(exit 78\)") == 1
    assert watch.delays("misconfigured") == [] and len(watch.pids("misconfigured")) == 1
    (steady_pid,) = watch.pids("steady")
    assert not alive(steady_pid) and watch.count(rf"stopping steady \(pid {steady_pid}\)") == 1


def test_a_service_that_crashes_after_becoming_ready_is_restarted_for_good_with_a_capped_backoff(
        watch: Watch) -> None:
    crashes_soon = Service("crashy", python("import time, sys; time.sleep(0.5); sys.exit(2)"), ready_after=0.02)
    supervisor = Supervisor([crashes_soon], policy=FAST)
    watch.when(r"^restarting crashy", 6, supervisor.request_stop)

    assert supervisor.run() == 0  # ready every time: never given up, however often it crashes

    assert watch.delays("crashy") == [0.05, 0.1, 0.2, 0.2, 0.2, 0.2]
    assert watch.count(r"^crashy \(pid \d+\) exited with code 2 after") == 6


def test_a_run_that_lasted_resets_the_backoff(watch: Watch) -> None:
    lasts = Service("lasting", python("import time, sys; time.sleep(0.6); sys.exit(1)"), ready_after=0.02)
    supervisor = Supervisor([lasts], policy=replace(FAST, stable_after=0.5))
    watch.when(r"^restarting lasting", 4, supervisor.request_stop)

    assert supervisor.run() == 0

    assert watch.delays("lasting") == [0.05, 0.05, 0.05, 0.05]


def test_a_service_not_ready_in_time_is_killed_and_counts_as_a_failed_start(watch: Watch) -> None:
    with socket.socket() as placeholder:  # a port nobody listens on: the probe never answers
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    deaf = Service("deaf", SLEEPS, ready=port_open("127.0.0.1", port))
    policy = replace(FAST, ready_timeout=0.2, max_failed_starts=2)

    assert Supervisor([deaf], policy=policy).run() == GAVE_UP

    assert watch.count(r"^deaf not ready after") == 2
    assert watch.count(r"^deaf \(pid \d+\) was killed by SIGKILL") == 2
    assert all(not alive(pid) for pid in watch.pids("deaf"))


def test_sigterm_stops_every_service_newest_first_killing_one_that_ignores_it(watch: Watch, tmp_path: Path) -> None:
    stubborn = Service("stubborn", python(
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"), ready_after=0.3)
    services = [Service("first", SLEEPS, ready_after=0.05), stubborn, Service("last", SLEEPS, ready_after=0.05)]
    supervisor = Supervisor(services, policy=replace(FAST, stop_timeout=0.5), pid_dir=tmp_path)
    watch.when(r"^last is ready", 1, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)

    assert supervisor.run() == 0

    stops = [message.split()[1] for message in watch.messages if message.startswith("stopping ")]
    assert stops == ["last", "stubborn", "first"]
    assert watch.count(r"^stubborn did not stop within 0.5 s: killing it") == 1
    assert all(not alive(pid) for name in ("first", "stubborn", "last") for pid in watch.pids(name))
    assert list(tmp_path.glob("*.pid")) == []  # nothing left behind
    assert signal.getsignal(signal.SIGTERM) is before  # the caller's handler is back


def test_pid_files_follow_restarts(watch: Watch, tmp_path: Path) -> None:
    seen: list[int] = []
    supervisor = Supervisor([Service("brief", python("import time; time.sleep(0.5)"), ready_after=0.02)],
                            policy=FAST, pid_dir=tmp_path)

    def remember() -> None:
        seen.append(int((tmp_path / "brief.pid").read_text()))
        if len(seen) == 2:
            supervisor.request_stop()

    watch.when(r"^brief is ready", 1, remember)
    watch.when(r"^brief is ready", 2, remember)

    assert supervisor.run() == 0

    assert seen == watch.pids("brief")[:2] and seen[0] != seen[1]
    assert not (tmp_path / "supervisor.pid").exists()
