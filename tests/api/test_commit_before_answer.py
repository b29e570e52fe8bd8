"""A 2xx means the data is there: every write commits before its answer, and a failed commit is answered an error.

The failures are the database's own: a rule it checks only at COMMIT (a deferred constraint), the connection killed
during the COMMIT (PostgreSQL), the database file gone or the database closed to connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import select

from db.models import UploadedFile, WebhookEvent
from db.session import make_engine, make_session_factory
from settings import Settings
from testkit.api import photo_bytes, register, running_api, served_over_http
from testkit.postgres import POSTGRES_ADMIN_DSN
from tests.replicate_e2e.test_webhook_route import SENDER, URL, prediction, signed

CREDENTIALS = {"email": "olena@example.com", "password": "correct horse battery"}

# A rule checked only when the transaction commits: it stands for any write the route itself cannot see fail.
_SQLITE_GUARD = [
    "CREATE TABLE IF NOT EXISTS commit_guard_parent (id INTEGER PRIMARY KEY)",
    ("CREATE TABLE IF NOT EXISTS commit_guard (id INTEGER PRIMARY KEY, parent INTEGER "
     "REFERENCES commit_guard_parent (id) DEFERRABLE INITIALLY DEFERRED)"),
    'CREATE TRIGGER commit_guard AFTER INSERT ON "{table}" BEGIN INSERT INTO commit_guard (parent) VALUES (0); END',
]
_POSTGRES_GUARD = [
    "CREATE OR REPLACE FUNCTION commit_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {action}; END $$",
    ('CREATE CONSTRAINT TRIGGER commit_guard AFTER INSERT ON "{table}" DEFERRABLE INITIALLY DEFERRED '
     "FOR EACH ROW EXECUTE FUNCTION commit_guard()"),
]
_POSTGRES_ACTIONS = {
    "constraint": "RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation'",
    "connection lost": "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL",
}
EXPECTED_STATUS = {"constraint": 409, "connection lost": 503}
EXPECTED_CODE = {"constraint": "write_conflict", "connection lost": "database_unavailable"}

FAILURES = [
    pytest.param("sqlite", "constraint", id="sqlite-constraint"),
    pytest.param("postgres", "constraint", id="postgres-constraint", marks=pytest.mark.postgres),
    pytest.param("postgres", "connection lost", id="postgres-connection-lost", marks=pytest.mark.postgres),
]


async def _execute(settings: Settings, statements: list[str]) -> None:
    engine = make_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def commit_failing(settings: Settings, table: str, failure: str) -> AsyncIterator[None]:
    """Every transaction that inserts into `table` fails at its COMMIT, the way `failure` says."""
    if settings.database_url.startswith("sqlite"):
        assert failure == "constraint"
        install, remove = _SQLITE_GUARD, ["DROP TRIGGER commit_guard"]
    else:
        install, remove = _POSTGRES_GUARD, [f'DROP TRIGGER commit_guard ON "{table}"']
    await _execute(settings, [s.format(table=table, action=_POSTGRES_ACTIONS.get(failure)) for s in install])
    try:
        yield
    finally:
        await _execute(settings, remove)


def _assert_error(response: httpx.Response, failure: str) -> None:
    assert response.status_code == EXPECTED_STATUS[failure], response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == EXPECTED_CODE[failure]
    if response.status_code == 503:
        assert int(response.headers["retry-after"]) > 0


async def _photo_rows(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            return len((await session.exec(select(UploadedFile))).all())
    finally:
        await engine.dispose()


class InFlight:
    """ASGI wrapper that records how many requests the app was serving at once."""

    def __init__(self, app: object) -> None:
        self.app, self.now, self.most = app, 0, 0

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)  # type: ignore[operator]
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)  # type: ignore[operator]
        finally:
            self.now -= 1


async def test_every_new_account_can_use_its_token_at_once(backend: Settings) -> None:
    """300 accounts, 16 at a time, over real HTTP: register, confirm with the e-mailed link, then read with the
    token the confirmation answered, at once."""
    async with running_api(backend) as api:
        served = InFlight(api.app)  # type: ignore[attr-defined]
        async with served_over_http(served) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
            slots = asyncio.Semaphore(16)

            async def new_account(number: int) -> int:
                async with slots:
                    headers = await register(client, f"customer{number}@example.com", outbox=backend.outbox_dir)
                    return (await client.get("/api/photos", headers=headers)).status_code

            results = await asyncio.gather(*(new_account(n) for n in range(300)))

    failures = [(n, result) for n, result in enumerate(results) if result != 200]
    assert failures == []
    assert served.most >= 8  # the requests really overlapped


@pytest.mark.parametrize(("backend", "failure"), FAILURES, indirect=["backend"])
async def test_a_write_whose_commit_fails_is_answered_an_error(backend: Settings, failure: str) -> None:
    async with running_api(backend) as api:
        async with commit_failing(backend, "user", failure):
            refused = await api.post("/api/auth/register", json=CREDENTIALS)
        _assert_error(refused, failure)
        assert (await api.post("/api/auth/login", json=CREDENTIALS)).status_code == 401  # nothing was stored

        assert (await api.post("/api/auth/register", json=CREDENTIALS)).status_code == 202


@pytest.mark.parametrize(("backend", "failure"), FAILURES, indirect=["backend"])
async def test_an_upload_whose_commit_fails_leaves_no_objects(backend: Settings, failure: str) -> None:
    files = [("files", (f"photo{i}.jpg", photo_bytes(1024, 768, seed=i), "image/jpeg")) for i in range(2)]
    async with running_api(backend) as api:
        headers = await register(api)
        storage = api.app.state.storage  # type: ignore[attr-defined]
        async with commit_failing(backend, "uploaded_file", failure):
            refused = await api.post("/api/photos", files=files, headers=headers)
        _assert_error(refused, failure)
        assert await _photo_rows(backend) == 0
        assert await storage.list_keys("") == []  # photos, thumbnails, WebP copies written before the commit: gone

        stored = await api.post("/api/photos", files=files, headers=headers)
        assert stored.status_code == 201, stored.text
        assert len(await storage.list_keys("")) == 6 and await _photo_rows(backend) == 2


@asynccontextmanager
async def database_unavailable(api: httpx.AsyncClient, settings: Settings) -> AsyncIterator[None]:
    """SQLite: the database file is replaced by a folder. PostgreSQL: the database refuses connections."""
    if settings.database_url.startswith("sqlite"):
        await api.app.state.engine.dispose()  # type: ignore[attr-defined]  # no open connection keeps the file
        path = Path(settings.database_url.split(":///", 1)[1])
        away = path.with_name(path.name + ".away")
        path.rename(away)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            away.rename(path)
        return
    name = settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()


async def test_a_webhook_that_cannot_be_stored_is_refused_until_its_retry_is(backend: Settings) -> None:
    configured = backend.model_copy(update={"replicate": backend.replicate.model_copy(
        update={"webhook_secret": SecretStr(SENDER.secret)})})
    delivery = signed(prediction(), webhook_id="msg_retried")
    async with running_api(configured) as api:
        async with database_unavailable(api, configured):
            refused = await api.post(URL, **delivery)
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0, refused.text

        retried = await api.post(URL, **delivery)  # Replicate retries a non-2xx delivery with the same webhook-id
        assert (retried.status_code, retried.json()) == (200, {"status": "recorded"})
        assert (await api.post(URL, **delivery)).json() == {"status": "duplicate"}

    engine = make_engine(configured.database_url)
    async with make_session_factory(engine)() as session:
        assert [e.webhook_id for e in (await session.exec(select(WebhookEvent))).all()] == ["msg_retried"]
    await engine.dispose()
