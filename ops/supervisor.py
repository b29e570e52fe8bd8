"""A small process supervisor: start services in order, restart the ones that crash, stop them all on request.

- Services start in the given order, each once every earlier one is ready (its probe answers, or, without a probe,
  it has stayed up for `ready_after` seconds).
- A service that exits is restarted after a backoff that doubles from `first_delay` to `max_delay`; a run that
  lasted `stable_after` seconds resets it. Every exit and restart is logged with the exit code.
- Exit code 78 (EX_CONFIG) means "my configuration is wrong": restarting cannot help, so everything stops and the
  supervisor exits 78. A service that fails `max_failed_starts` runs in a row without ever becoming ready (crashed
  or not ready within `ready_timeout`) also stops everything: exit 1.
- SIGINT/SIGTERM (or `request_stop()`) stop every service, newest first: SIGTERM to its process group, then SIGKILL
  after `stop_timeout`. The supervisor then exits 0.
- `pid_dir/{name}.pid` always holds the current process of each service (and `supervisor.pid` our own).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("calendary.supervisor")

GAVE_UP = 1


@dataclass(frozen=True)
class Policy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    max_failed_starts: int = 5
    ready_timeout: float = 90.0
    stop_timeout: float = 25.0  # the worker drains running activities for up to 20 s
    tick: float = 0.2


@dataclass
class Service:
    name: str
    command: list[str]
    ready: Callable[[], bool] | None = None  # None: ready once it has stayed up for `ready_after` seconds
    ready_after: float = 5.0
    env: dict[str, str] | None = None


def port_open(host: str, port: int) -> Callable[[], bool]:
    def answers() -> bool:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False

    return answers


class _GiveUp(Exception):
    def __init__(self, reason: str, exit_code: int) -> None:
        super().__init__(reason)
        self.exit_code = exit_code


@dataclass
class _Supervised:
    service: Service
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready: bool = False
    crashes: int = 0  # since the last stable run: sets the backoff
    failed_starts: int = 0  # runs in a row that never became ready
    restart_at: float | None = field(default=None)


class Supervisor:
    def __init__(self, services: list[Service], *, policy: Policy = Policy(), pid_dir: Path | None = None) -> None:
        self._units = [_Supervised(service) for service in services]
        self._policy = policy
        self._pid_dir = pid_dir
        self._stop_requested = False

    def request_stop(self, *_: object) -> None:
        self._stop_requested = True

    def run(self) -> int:
        """Supervise until asked to stop (0) or until a service cannot be started (78 or 1)."""
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        self._write_pid("supervisor", os.getpid())
        try:
            for unit in self._units:
                if self._stop_requested:
                    break
                self._start(unit)
                while not (unit.ready or self._stop_requested):
                    self._tick()
            while not self._stop_requested:
                self._tick()
            exit_code = 0
        except _GiveUp as gave_up:
            log.error("%s: stopping everything", gave_up)
            exit_code = gave_up.exit_code
        finally:
            for unit in reversed(self._units):
                self._stop(unit)
            self._remove_pid("supervisor")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("stopped")
        return exit_code

    def _tick(self) -> None:
        time.sleep(self._policy.tick)
        now = time.monotonic()
        for unit in self._units:
            if unit.process is None:
                if unit.restart_at is not None and now >= unit.restart_at and not self._stop_requested:
                    self._start(unit)
            elif (code := unit.process.poll()) is not None:
                self._exited(unit, code, now)
            elif not unit.ready:
                self._check_ready(unit, now)

    def _check_ready(self, unit: _Supervised, now: float) -> None:
        service, up_for = unit.service, now - unit.started_at
        if service.ready() if service.ready is not None else up_for >= service.ready_after:
            unit.ready = True
            unit.failed_starts = 0
            log.info("%s is ready (pid %d)", service.name, unit.process.pid)  # type: ignore[union-attr]
        elif up_for > self._policy.ready_timeout:
            log.warning("%s not ready after %.0f s: stopping it", service.name, up_for)
            self._signal(unit, signal.SIGKILL)  # reaped, counted and restarted by the next tick

    def _exited(self, unit: _Supervised, code: int, now: float) -> None:
        name, up_for = unit.service.name, now - unit.started_at
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        log.warning("%s (pid %d) %s after %.1f s", name, unit.process.pid, how, up_for)  # type: ignore[union-attr]
        unit.process = None
        self._remove_pid(name)
        if code == os.EX_CONFIG:
            raise _GiveUp(f"{name} reported a configuration error (exit {code}); restarting cannot help",
                          os.EX_CONFIG)
        if not unit.ready:
            unit.failed_starts += 1
            if unit.failed_starts >= self._policy.max_failed_starts:
                raise _GiveUp(f"{name} failed {unit.failed_starts} starts in a row without becoming ready",
                              GAVE_UP)
        if up_for >= self._policy.stable_after:
            unit.crashes = 0
        delay = min(self._policy.first_delay * 2 ** unit.crashes, self._policy.max_delay)
        unit.crashes += 1
        unit.restart_at = now + delay
        log.info("restarting %s in %g s", name, delay)

    def _start(self, unit: _Supervised) -> None:
        service = unit.service
        unit.process = subprocess.Popen(service.command, env=service.env, start_new_session=True,
                                        preexec_fn=_die_with_parent)
        unit.started_at, unit.ready, unit.restart_at = time.monotonic(), False, None
        self._write_pid(service.name, unit.process.pid)
        log.info("started %s (pid %d)", service.name, unit.process.pid)

    def _stop(self, unit: _Supervised) -> None:
        if unit.process is None:
            return
        log.info("stopping %s (pid %d)", unit.service.name, unit.process.pid)
        self._signal(unit, signal.SIGTERM)
        try:
            unit.process.wait(timeout=self._policy.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %g s: killing it", unit.service.name, self._policy.stop_timeout)
            self._signal(unit, signal.SIGKILL)
            unit.process.wait()
        unit.process = None
        self._remove_pid(unit.service.name)

    @staticmethod
    def _signal(unit: _Supervised, sig: signal.Signals) -> None:
        with suppress(ProcessLookupError):  # the whole process group: whatever the service itself started goes too
            os.killpg(unit.process.pid, sig)  # type: ignore[union-attr]

    def _write_pid(self, name: str, pid: int) -> None:
        if self._pid_dir is not None:
            self._pid_dir.mkdir(parents=True, exist_ok=True)
            partial = self._pid_dir / f".{name}.pid.partial"
            partial.write_text(f"{pid}\n")
            partial.replace(self._pid_dir / f"{name}.pid")  # readers never see a half-written file

    def _remove_pid(self, name: str) -> None:
        if self._pid_dir is not None:
            (self._pid_dir / f"{name}.pid").unlink(missing_ok=True)


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if the supervisor dies without stopping us (SIGKILL)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
