"""Two edits of one calendar version at the same moment: exactly one is stored, the other refused (409)."""

from __future__ import annotations

import asyncio

import pytest

from api.calendar_edits import claim_version
from api.problems import CALENDAR_EDIT_CONFLICT, ApiProblem
from db.models import Template, User, UserCalendar
from db.session import make_engine, make_session_factory
from settings import Settings


async def test_of_two_edits_on_one_version_the_second_waits_and_is_refused(backend: Settings) -> None:
    engine = make_engine(backend.database_url)  # the API's engine: no write lock at BEGIN
    sessions = make_session_factory(engine)
    try:
        async with sessions() as session:
            user = User(email="v@example.com", password_hash="x")
            template = Template(theme="t", name="T", category="c", price_uah=1, template_data={})
            session.add_all([user, template])
            await session.flush()
            calendar = UserCalendar(user_id=user.id, template_id=template.id, year=2027)
            session.add(calendar)
            await session.commit()
            calendar_id = calendar.id

        first_claimed, second_started = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with sessions() as session:
                mine = await session.get(UserCalendar, calendar_id)
                assert mine is not None
                await claim_version(session, mine, 1)
                first_claimed.set()
                await second_started.wait()
                await asyncio.sleep(0.3)  # the second edit is now waiting on the row (or the write lock)
                mine.title = "first"
                await session.commit()

        async def second() -> int:
            await first_claimed.wait()
            async with sessions() as session:
                mine = await session.get(UserCalendar, calendar_id)  # read before the first edit commits
                assert mine is not None and mine.version in (1, 2)
                second_started.set()
                with pytest.raises(ApiProblem) as refused:
                    await claim_version(session, mine, 1)
                assert refused.value.kind is CALENDAR_EDIT_CONFLICT
                return int(refused.value.params["current_version"])  # type: ignore[index]

        _, current = await asyncio.wait_for(asyncio.gather(first(), second()), 60)
        assert current == 2
        async with sessions() as session:
            stored = await session.get(UserCalendar, calendar_id)
            assert stored is not None and (stored.title, stored.version) == ("first", 2)
    finally:
        await engine.dispose()
