"""`manage.py run` (what `make run` starts) supervises the Temporal dev server, the API and the worker: crashed
processes come back and the customer's work goes on; Ctrl-C stops everything; a misconfiguration stops at once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from testkit.embedded import SERVICES, alive, embedded_stack, environment, manage, prepared
from testkit.journey import pick_twelve, start_generation, wait_for_status

pytestmark = pytest.mark.e2e


async def test_killed_processes_are_restarted_and_a_generation_still_completes(tmp_path: Path) -> None:
    # Plain seconds (README): a dead worker's provider activities are retried elsewhere after 3 s.
    env = prepared(tmp_path, CALENDARY_PROVIDER_HEARTBEAT_TIMEOUT="3")
    with embedded_stack(tmp_path, env) as stack:
        first = await stack.started()
        assert all(alive(pid) for pid in first.values())

        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as api:
            headers, started = await start_generation(api, outbox=Path(env["CALENDARY_OUTBOX_DIR"]))
            job = started["job_id"]
            async with asyncio.timeout(120):
                while (progress := (await api.get(f"/api/calendars/generate/{job}/status",
                                                  headers=headers)).json())["generated_variants_count"] < 1:
                    await asyncio.sleep(0.1)

            os.kill(first["worker"], signal.SIGKILL)
            assert progress["status"] == "generating", "the worker must die mid-generation for this to prove anything"
            worker = await stack.new_pid("worker", first["worker"])
            assert {name: stack.pids()[name] for name in ("temporal", "api")} == \
                {name: first[name] for name in ("temporal", "api")}
            status = (await wait_for_status(api, headers, job, "ready_for_selection", seconds=240))[-1]
            assert sorted(v["variant_number"] for v in status["variants"]) == list(range(1, 25))

            os.kill(first["api"], signal.SIGKILL)
            api_pid = await stack.new_pid("api", first["api"])
            await stack.serving()
            again = await api.get(f"/api/calendars/generate/{job}/status", headers=headers)
            assert again.status_code == 200 and again.json()["status"] == "ready_for_selection"

            os.kill(first["temporal"], signal.SIGKILL)  # its state is in a file: the restart carries on
            temporal = await stack.new_pid("temporal", first["temporal"])
            chosen = await api.post(f"/api/calendars/generate/{job}/select", headers=headers,
                                    json={"selections": pick_twelve(status["variants"])})
            assert chosen.status_code in (200, 202), chosen.text
            await wait_for_status(api, headers, job, "completed", seconds=180)

        assert stack.pids() == {"temporal": temporal, "api": api_pid, "worker": worker}  # nothing else restarted
        log = stack.log()
        for name in SERVICES:
            assert f"{name} (pid {first[name]}) was killed by SIGKILL" in log
            assert f"restarting {name} in 1 s" in log

        assert stack.interrupt() == 0
        assert not any(alive(pid) for pid in stack.every_pid_started())
        assert not list((tmp_path / "run").glob("*.pid"))


async def test_a_misconfigured_provider_stops_the_stack_with_a_non_zero_exit(tmp_path: Path) -> None:
    env = environment(tmp_path, CALENDARY_PROVIDER="replicate")  # and no token: the worker cannot work

    with embedded_stack(tmp_path, env) as stack:
        exit_code = stack.process.wait(timeout=120)

        log = stack.log()
        assert exit_code == os.EX_CONFIG, log
        assert "worker not started: CALENDARY_PROVIDER=replicate needs an API token" in log
        assert "worker reported a configuration error (exit 78)" in log and "restarting worker" not in log
        assert stack.every_pid_started() and not any(alive(pid) for pid in stack.every_pid_started())


def test_invalid_settings_start_nothing(tmp_path: Path) -> None:
    env = environment(tmp_path, CALENDARY_SELECTION_TIMEOUT="soon")

    with (tmp_path / "run.log").open("wb") as log:
        assert manage("run", env, tmp_path, stdout=log, stderr=log).wait(60) == os.EX_CONFIG

    text = (tmp_path / "run.log").read_text()
    assert "selection_timeout" in text and "'soon' is not a duration" in text and "started temporal" not in text


def test_a_port_already_taken_starts_nothing(tmp_path: Path) -> None:
    env = environment(tmp_path)
    with socket.socket() as squatter:  # e.g. another `make run`
        squatter.bind(("127.0.0.1", int(env["CALENDARY_API_PORT"])))
        squatter.listen()
        with (tmp_path / "run.log").open("wb") as log:
            assert manage("run", env, tmp_path, stdout=log, stderr=log).wait(60) == 1

    text = (tmp_path / "run.log").read_text()
    assert f"already in use: 127.0.0.1:{env['CALENDARY_API_PORT']}" in text and "started temporal" not in text
