"""List routes run a constant number of SQL statements, however many items they list; the reads a page polls run
a fixed, small number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete, event, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    CalendarMonth,
    FileKind,
    GeneratedCalendarVariant,
    Job,
    LedgerEntry,
    Template,
    UploadedFile,
    User,
    UserCalendar,
    VariantStatus,
)
from db.session import make_engine, make_session_factory, session_scope
from settings import Settings
from testkit.api import register, upload_photos

MANY = 4


@dataclass
class Customer:
    api: httpx.AsyncClient
    settings: Settings
    headers: dict[str, str]
    user_id: int
    photo_id: int
    template_ids: list[int]

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        engine = make_engine(self.settings.database_url)
        try:
            async with session_scope(make_session_factory(engine)) as session:
                yield session
        finally:
            await engine.dispose()


@pytest.fixture
async def customer(app_client: httpx.AsyncClient, database: Settings, seeded) -> Customer:  # noqa: ANN001
    headers = await register(app_client, "olena@example.com")
    user_id = (await app_client.get("/api/me", headers=headers)).json()["id"]
    [photo] = await upload_photos(app_client, headers, count=1)
    customer = Customer(api=app_client, settings=database, headers=headers, user_id=user_id,
                        photo_id=photo["id"], template_ids=[t.id for t in seeded])
    async with customer.session() as session:
        # Status answers carry an ETA from medians each process re-reads once a minute (services/eta.py): read
        # them now, so the counts below are each request's own statements.
        await app_client.app.state.latencies.recent(session, database.provider)  # type: ignore[attr-defined]
    return customer


async def add_photos(customer: Customer, count: int) -> None:
    await upload_photos(customer.api, customer.headers, count=count)


async def add_generations(customer: Customer, count: int) -> None:
    async with customer.session() as session:
        for _ in range(count):
            job = Job(user_id=customer.user_id, template_id=customer.template_ids[0], photo_ids=[customer.photo_id],
                      variant_count=6, preview=True, year=2027)
            session.add(job)
            await session.flush()
            session.add_all([GeneratedCalendarVariant(
                user_id=customer.user_id, job_id=job.id, template_id=job.template_id,
                source_photo_id=customer.photo_id, variant_number=n, status=VariantStatus.ready) for n in range(2)])


async def add_calendars(customer: Customer, count: int) -> None:
    async with customer.session() as session:
        for _ in range(count):
            calendar = UserCalendar(user_id=customer.user_id, template_id=customer.template_ids[0], year=2027)
            session.add(calendar)
            await session.flush()
            session.add_all([CalendarMonth(calendar_id=calendar.id, month=month, file_id=customer.photo_id)
                             for month in range(1, 13)])


async def show_templates(customer: Customer, count: int) -> None:
    async with customer.session() as session:
        hidden = (await session.exec(select(Template.id).where(col(Template.is_active).is_(False))
                                     .order_by(Template.id))).all()
        await session.exec(update(Template).where(col(Template.id).in_(hidden[:count]))
                           .values(is_active=True))
    customer.api.app.state.templates.forget()  # type: ignore[attr-defined]  # as if its TTL had passed


async def only_one_template(customer: Customer, _: int) -> None:
    async with customer.session() as session:
        await session.exec(update(Template).values(is_active=False))
    await show_templates(customer, 1)


async def the_first_photo(customer: Customer, _: int) -> None:
    """The customer's first photo (uploaded by the fixture) is the one item."""


Grow = Callable[[Customer, int], Awaitable[None]]
# path: (how the first item comes about, how more are added)
ROUTES: dict[str, tuple[Grow, Grow]] = {
    "/api/photos": (the_first_photo, add_photos),
    "/api/calendars/generate": (add_generations, add_generations),
    "/api/calendars": (add_calendars, add_calendars),
    "/api/templates": (only_one_template, show_templates),
}


@asynccontextmanager
async def counted_statements(customer: Customer) -> AsyncIterator[list[str]]:
    """Every SQL statement the API's own engine sends while the block runs."""
    engine = customer.api.app.state.engine.sync_engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _listed(customer: Customer, path: str) -> tuple[int, list[str]]:
    async with counted_statements(customer) as statements:
        response = await customer.api.get(path, headers=customer.headers)
    assert response.status_code == 200, response.text
    return len(response.json()), statements


@pytest.mark.parametrize("path", list(ROUTES))
async def test_a_list_costs_as_many_queries_for_many_items_as_for_one(customer: Customer, path: str) -> None:
    first, more = ROUTES[path]
    await first(customer, 1)
    one, statements_for_one = await _listed(customer, path)

    await more(customer, MANY - 1)
    many, statements_for_many = await _listed(customer, path)

    assert (one, many) == (1, MANY)
    assert len(statements_for_many) == len(statements_for_one), (statements_for_one, statements_for_many)


@pytest.mark.parametrize("path", ["/api/photos", "/api/calendars/generate", "/api/calendars"])
async def test_every_page_costs_the_same_queries_and_pages_cover_the_list_once(customer: Customer,
                                                                               path: str) -> None:
    first, more = ROUTES[path]
    await first(customer, 1)
    await more(customer, MANY)
    key = "job_id" if path == "/api/calendars/generate" else "id"
    whole = [item[key] for item in (await customer.api.get(path, headers=customer.headers)).json()]
    seen: list[int] = []
    counts = []
    url: str | None = f"{path}?limit=2"
    while url:
        async with counted_statements(customer) as statements:
            response = await customer.api.get(url, headers=customer.headers)
        assert response.status_code == 200, response.text
        seen += [item[key] for item in response.json()]
        counts.append(len(statements))
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
    assert seen == whole and len(whole) > MANY
    assert len(set(counts)) == 1, counts


async def _statements(customer: Customer, path: str) -> list[str]:
    async with counted_statements(customer) as statements:
        response = await customer.api.get(path, headers=customer.headers)
    assert response.status_code == 200, response.text
    return statements


async def _generation_with_stored_variants(customer: Customer, count: int) -> int:
    """A job whose `count` variants each show a stored file (image and thumbnail), as a finished generation's do."""
    async with customer.session() as session:
        job = Job(user_id=customer.user_id, template_id=customer.template_ids[0], photo_ids=[customer.photo_id],
                  variant_count=count, year=2027)
        session.add(job)
        await session.flush()
        photo = await session.get(UploadedFile, customer.photo_id)
        assert photo is not None
        for n in range(count):
            file = UploadedFile(user_id=customer.user_id, kind=FileKind.variant, storage_key=f"v/{job.id}/{n}.jpg",
                                thumbnail_key=f"v/{job.id}/{n}.thumb.jpg", content_type="image/jpeg", size=1,
                                width=1, height=1, sha256=f"{n:064d}")
            session.add(file)
            await session.flush()
            session.add(GeneratedCalendarVariant(
                user_id=customer.user_id, job_id=job.id, template_id=job.template_id, source_photo_id=photo.id,
                variant_number=n, status=VariantStatus.ready, generated_file_id=file.id))
        return job.id


@pytest.mark.parametrize("read", ["status", "variants"])
async def test_a_generation_read_is_two_statements_the_caller_with_the_job_then_the_variants_with_files(
        customer: Customer, read: str) -> None:
    job_id = await _generation_with_stored_variants(customer, 24)

    statements = await _statements(customer, f"/api/calendars/generate/{job_id}/{read}")

    assert len(statements) == 2, statements
    caller_and_job, variants_and_files = statements
    assert "user" in caller_and_job and "job.workflow_id" in caller_and_job
    assert "generated_calendar_variant" in variants_and_files and "uploaded_file" in variants_and_files


async def test_a_generation_read_answers_with_every_variant_and_its_links(customer: Customer) -> None:
    job_id = await _generation_with_stored_variants(customer, 24)

    body = (await customer.api.get(f"/api/calendars/generate/{job_id}/status", headers=customer.headers)).json()

    assert [v["variant_number"] for v in body["variants"]] == list(range(24))
    assert body["generated_variants_count"] == 24
    assert all(f"/{n}.jpg?" in v["image_url"] and f"/{n}.thumb.jpg?" in v["thumbnail_url"]
               for n, v in enumerate(body["variants"]))


async def test_another_users_generation_is_404_and_a_deleted_callers_token_401_in_that_one_statement(
        customer: Customer) -> None:
    job_id = await _generation_with_stored_variants(customer, 1)
    strangers = await register(customer.api, "taras@example.com")
    stranger_id = (await customer.api.get("/api/me", headers=strangers)).json()["id"]

    async with counted_statements(customer) as statements:
        foreign = await customer.api.get(f"/api/calendars/generate/{job_id}/status", headers=strangers)
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert len(statements) == 1

    async with customer.session() as session:
        await session.exec(delete(LedgerEntry).where(col(LedgerEntry.user_id) == stranger_id))  # the signup credit
        await session.exec(delete(User).where(col(User.id) == stranger_id))
    gone = await customer.api.get(f"/api/calendars/generate/{job_id}/status", headers=strangers)
    assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"


async def test_the_template_list_is_read_from_the_database_once_per_ttl(customer: Customer) -> None:
    first = await _statements(customer, "/api/templates")
    again = await _statements(customer, "/api/templates")

    assert [("template" in s) for s in first] == [True]  # the list (public: no caller to read)
    assert again == []  # the list came from memory
    customer.api.app.state.templates.forget()  # type: ignore[attr-defined]  # the TTL has passed
    assert [("template" in s) for s in await _statements(customer, "/api/templates")] == [True]


async def test_a_revoked_token_is_refused_in_that_one_statement_too(customer: Customer) -> None:
    job_id = await _generation_with_stored_variants(customer, 1)
    assert (await customer.api.post("/api/auth/logout", headers=customer.headers)).status_code == 204

    revoked = await customer.api.get(f"/api/calendars/generate/{job_id}/status", headers=customer.headers)

    assert revoked.status_code == 401 and revoked.json()["code"] == "auth_required"

