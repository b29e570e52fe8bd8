"""`CALENDARY_API_WORKERS`: `manage.py run` serves the API from that many processes on one port, and Ctrl-C stops
them all."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from manage import api_command
from testkit.embedded import alive, embedded_stack, prepared
from testkit.settings import make_settings


def test_the_api_command_asks_uvicorn_for_the_processes(tmp_path: Path) -> None:
    assert api_command(make_settings(tmp_path))[-2:] == ["--workers", "1"]
    assert api_command(make_settings(tmp_path, api_workers=3))[-2:] == ["--workers", "3"]


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


@pytest.mark.e2e
async def test_two_api_processes_serve_one_port_and_stop_with_the_stack(tmp_path: Path) -> None:
    env = prepared(tmp_path, CALENDARY_API_WORKERS="2")
    with embedded_stack(tmp_path, env) as stack:
        pids = await stack.started()
        async with httpx.AsyncClient(base_url=stack.url) as api:
            for _ in range(20):
                assert (await api.get("/api/templates")).status_code == 200
        # uvicorn's supervisor, then its workers (multiprocessing may add its resource tracker: a third child
        # that serves nothing)
        servers = [pid for pid in _children(pids["api"]) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(servers) == 2, servers
        assert stack.interrupt() == 0
    assert not any(alive(pid) for pid in servers)
