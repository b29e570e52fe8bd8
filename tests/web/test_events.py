"""The live events route (server-sent events) against the database alone: no Temporal, no worker, no browser."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import event

import api.live_events as live_events
import api.routers.events as events
from db.models import GeneratedCalendarVariant, Job, Template, UploadedFile
from settings import Settings
from testkit.api import register, running_api


@dataclass
class World:
    api: httpx.AsyncClient
    headers: dict[str, str]
    job_id: int
    photo_id: int


def _frames(body: str) -> list[tuple[str, object]]:
    """(event, data) pairs of an event stream; comments and `retry:` lines are kept as ('comment'/'retry', text)."""
    parsed = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        event, data = "message", None
        for line in block.split("\n"):
            if line.startswith(":"):
                parsed.append(("comment", line[1:].strip()))
            elif line.startswith("retry:"):
                parsed.append(("retry", line[6:].strip()))
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
        if data is not None:
            parsed.append((event, data))
    return parsed


async def _add(api: httpx.AsyncClient, *rows: object) -> list[object]:
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        for row in rows:
            session.add(row)
        await session.commit()
        for row in rows:
            await session.refresh(row)
    return list(rows)


async def _update(api: httpx.AsyncClient, model: type, row_id: int, **values: object) -> None:
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        row = await session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        await session.commit()


def _file(user_id: int, name: str) -> UploadedFile:
    return UploadedFile(user_id=user_id, kind="variant", storage_key=f"users/{user_id}/{name}.jpg",
                        thumbnail_key=f"users/{user_id}/{name}.thumb.jpg", content_type="image/jpeg", size=1,
                        width=1024, height=1024, sha256=name.ljust(64, "0"))


@pytest.fixture
async def world(database: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    monkeypatch.setattr(live_events, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(events, "WAKE_SECONDS", 0.05)
    async with running_api(database) as api:
        headers = await register(api)
        user_id = 1
        template, photo = await _add(api, Template(theme="family", name="Сімейний", category="personal",
                                                   price_uah=799, template_data={"colorScheme": []}),
                                     _file(user_id, "photo"))
        (job,) = await _add(api, Job(user_id=user_id, template_id=template.id, photo_ids=[photo.id],
                                     variant_count=2, year=2027, status="generating", progress=10,
                                     current_step="Step 2 of 4"))
        yield World(api=api, headers=headers, job_id=job.id, photo_id=photo.id)


def _url(world: World) -> str:
    return f"/api/calendars/generate/{world.job_id}/events"


async def _ticket(world: World, headers: dict[str, str], job_id: int | None = None) -> httpx.Response:
    return await world.api.post(f"/api/calendars/generate/{job_id or world.job_id}/events/ticket", headers=headers)


async def test_a_token_header_or_a_ticket_of_this_job_is_required(world: World) -> None:
    assert (await world.api.get(_url(world))).status_code == 401
    assert (await world.api.get(_url(world), params={"ticket": "not-a-ticket"})).status_code == 401
    # The 7-day bearer token is no ticket: it never goes into a URL.
    token = world.headers["Authorization"].removeprefix("Bearer ")
    assert (await world.api.get(_url(world), params={"ticket": token})).status_code == 401
    assert (await world.api.get(_url(world), params={"token": token})).status_code == 401
    intruder = await register(world.api, "intruder@example.com")
    refused = await _ticket(world, intruder)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert refused.json()["detail"] == f"generation {world.job_id} not found"
    missing = await world.api.get("/api/calendars/generate/424242/events", headers=world.headers)
    assert missing.status_code == 404


async def test_a_ticket_opens_only_its_own_job_and_dies_with_a_logout(world: World) -> None:
    (other,) = await _add(world.api, Job(user_id=1, template_id=1, photo_ids=[world.photo_id], variant_count=2,
                                         year=2027, status="completed"))
    ticket = (await _ticket(world, world.headers)).json()
    assert 0 < ticket["expires_in"] <= 60
    wrong_job = await world.api.get(f"/api/calendars/generate/{other.id}/events",  # type: ignore[attr-defined]
                                    params={"ticket": ticket["ticket"]})
    assert wrong_job.status_code == 401
    assert (await world.api.post("/api/auth/logout", headers=world.headers)).status_code == 204
    assert (await world.api.get(_url(world), params={"ticket": ticket["ticket"]})).status_code == 401


async def test_a_finished_job_sends_its_snapshot_and_ends(world: World) -> None:
    await _update(world.api, Job, world.job_id, status="completed", progress=100)
    ticket = (await _ticket(world, world.headers)).json()["ticket"]
    response = await world.api.get(_url(world), params={"ticket": ticket})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"].startswith("no-cache")
    frames = _frames(response.text)
    assert frames[0] == ("retry", str(events.RETRY_MILLISECONDS))
    assert [name for name, _ in frames[1:]] == ["snapshot"]
    snapshot = frames[1][1]
    rest = (await world.api.get(f"/api/calendars/generate/{world.job_id}/status", headers=world.headers)).json()
    assert snapshot == rest  # the same DTO as the REST API


async def test_every_change_is_pushed_once_and_the_stream_ends_after_the_terminal_status(world: World) -> None:
    stream = asyncio.create_task(world.api.get(_url(world), headers=world.headers))
    pause = 0.3
    watcher = world.api.app.state.live_events  # type: ignore[attr-defined]
    async with asyncio.timeout(10):  # the snapshot is out (a loaded machine may take a while to get there)
        while watcher.streams_following < 1:
            await asyncio.sleep(0.01)
    first, second = await _add(world.api, _file(1, "v1a0"), _file(1, "v1a1"))
    (variant,) = await _add(world.api, GeneratedCalendarVariant(
        user_id=1, job_id=world.job_id, template_id=1, source_photo_id=world.photo_id, variant_number=1,
        status="ready", generated_file_id=first.id))
    await asyncio.sleep(pause)
    await _update(world.api, Job, world.job_id, status="ready_for_selection", progress=90)
    await asyncio.sleep(pause)
    # a regeneration: the same row gets a new image and attempt
    await _update(world.api, GeneratedCalendarVariant, variant.id, generated_file_id=second.id, attempt=1)
    await asyncio.sleep(pause)
    await _update(world.api, Job, world.job_id, status="expired")
    response = await asyncio.wait_for(stream, timeout=10)

    frames = [(name, data) for name, data in _frames(response.text) if name not in {"retry", "comment"}]
    names = [name for name, _ in frames]
    assert names == ["snapshot", "variant", "status", "status", "variant", "status"], names
    snapshot, added, counted, ready, replaced, expired = (data for _, data in frames)
    assert snapshot["status"] == "generating" and snapshot["variants"] == []
    assert added["id"] == variant.id and added["image_url"].startswith("/media/users/1/v1a0.jpg?")
    assert counted["generated_variants_count"] == 1 and counted["variants"] == []
    assert ready["status"] == "ready_for_selection"
    assert replaced["id"] == variant.id and replaced["image_url"].startswith("/media/users/1/v1a1.jpg?")
    assert expired["status"] == "expired"


async def test_a_quiet_stream_sends_heartbeats(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.1)
    stream = asyncio.create_task(world.api.get(_url(world), headers=world.headers))
    watcher = world.api.app.state.live_events  # type: ignore[attr-defined]
    async with asyncio.timeout(10):  # the stream is open (on a busy machine that may take a while) ...
        while watcher.watched_jobs == 0:
            await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)  # ... and quiet for ten heartbeat intervals
    await _update(world.api, Job, world.job_id, status="cancelled")
    body = (await asyncio.wait_for(stream, timeout=10)).text
    assert ": heartbeat\nevent: heartbeat\ndata: {}\n\n" in body


async def test_the_server_stops_when_the_client_goes_away(world: World) -> None:
    watcher = world.api.app.state.live_events  # type: ignore[attr-defined]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(world.api.app, lifespan="off", log_level="warning"))  # type: ignore[attr-defined]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        host, port = sock.getsockname()
        async with (
            httpx.AsyncClient(base_url=f"http://{host}:{port}") as client,
            client.stream("GET", _url(world), headers=world.headers) as response,
        ):
            async for chunk in response.aiter_text():
                if "event: snapshot" in chunk:
                    break
        await asyncio.sleep(0.5)
        after_close = watcher.ticks
        assert after_close > 0 and watcher.watched_jobs == 0
        await asyncio.sleep(0.5)
        assert watcher.ticks == after_close, "the watcher kept polling the database for a client that left"
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def test_a_long_stream_is_renewed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "MAX_STREAM_SECONDS", 0.2)
    response = await asyncio.wait_for(world.api.get(_url(world), headers=world.headers), timeout=10)
    names = [name for name, _ in _frames(response.text)]
    assert names == ["retry", "snapshot", "renew"], names


@pytest.mark.parametrize("jobs_per_tick", [2000, 1])
async def test_one_watcher_reads_every_watched_job_at_once(world: World, monkeypatch: pytest.MonkeyPatch,
                                                           jobs_per_tick: int) -> None:
    """Three streams on two jobs: each quiet tick is the same two statements (the jobs, their variants' keys),
    not three per stream; a change reaches every stream of its job and none of the other's. With one job per tick
    (and per statement) the two jobs take turns, and still every change arrives."""
    monkeypatch.setattr(live_events, "JOBS_PER_TICK", jobs_per_tick)
    monkeypatch.setattr(live_events, "JOBS_PER_QUERY", min(jobs_per_tick, 500))
    (other,) = await _add(world.api, Job(user_id=1, template_id=1, photo_ids=[world.photo_id], variant_count=2,
                                         year=2027, status="generating"))
    other_url = f"/api/calendars/generate/{other.id}/events"  # type: ignore[attr-defined]
    streams = [asyncio.create_task(world.api.get(url, headers=world.headers)) for url in (_url(world), _url(world),
                                                                                          other_url)]
    watcher = world.api.app.state.live_events  # type: ignore[attr-defined]
    engine = world.api.app.state.engine  # type: ignore[attr-defined]
    async with asyncio.timeout(10):
        while watcher.streams_following < 3:
            await asyncio.sleep(0.02)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    ticks_before = watcher.ticks
    async with asyncio.timeout(10):  # three ticks, however long a loaded machine makes them take
        while watcher.ticks - ticks_before < 3:
            await asyncio.sleep(0.02)
    event.remove(engine.sync_engine, "before_cursor_execute", count)
    ticks = watcher.ticks - ticks_before
    assert statements <= 2 * (ticks + 1), (statements, ticks)  # +1: a tick the window cut
    await _update(world.api, Job, world.job_id, status="cancelled")
    await _update(world.api, Job, other.id, status="completed")  # type: ignore[attr-defined]
    bodies = [(await asyncio.wait_for(stream, timeout=10)).text for stream in streams]
    names = [[name for name, _ in _frames(body) if name not in {"retry", "comment"}] for body in bodies]
    assert names == [["snapshot", "status"]] * 3, names
    statuses = [_frames(body)[-1][1]["status"] for body in bodies]  # type: ignore[index]
    assert statuses == ["cancelled", "cancelled", "completed"]


@pytest.mark.parametrize("ending", [False, True])
async def test_a_stream_opened_while_a_tick_reads_gets_its_snapshot_from_the_next(
        world: World, monkeypatch: pytest.MonkeyPatch, ending: bool) -> None:
    """The watcher awaits the database between choosing whom to send snapshots and sending them: a stream that opens
    in between still starts with its snapshot — also when that very tick saw its job end."""
    monkeypatch.setattr(live_events, "POLL_SECONDS", 60.0)  # ticks only when a stream opens: one at a time
    watcher = world.api.app.state.live_events  # type: ignore[attr-defined]
    first = watcher.subscribe(world.job_id)
    assert "event: snapshot" in await asyncio.wait_for(first.frames.get(), timeout=5)
    if ending:
        await _update(world.api, Job, world.job_id, status="cancelled")
    late: list[live_events.Subscription] = []
    read = live_events.variants_by_job

    async def read_while_someone_opens(*args: Any) -> Any:
        if not late:
            late.append(watcher.subscribe(world.job_id))
        return await read(*args)

    monkeypatch.setattr(live_events, "variants_by_job", read_while_someone_opens)
    (other,) = await _add(world.api, Job(user_id=1, template_id=1, photo_ids=[world.photo_id], variant_count=2,
                                         year=2027, status="generating"))
    watcher.subscribe(other.id)  # type: ignore[attr-defined]  # a tick that reads a snapshot for another job
    assert "event: snapshot" in await asyncio.wait_for(late_frames(late), timeout=5)
    assert late[0].ended == ending
    if ending:
        assert "event: status" in await asyncio.wait_for(first.frames.get(), timeout=5) and first.ended


async def late_frames(late: list[live_events.Subscription]) -> str:
    while not late:
        await asyncio.sleep(0.01)
    return await late[0].frames.get()
