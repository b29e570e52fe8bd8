"""Customers, jobs and reservations written straight into a test database, as the API's start writes them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Job, Template, User
from db.session import session_scope
from services import ledger


async def a_template(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(sessions) as session:
        template = Template(theme=f"t-{uuid.uuid4().hex[:8]}", name="t", category="c", price_uah=849,
                            template_data={})
        session.add(template)
        await session.flush()
        return template.id


async def a_customer(sessions: async_sessionmaker[AsyncSession], credit: int) -> int:
    """A user with `credit` kopiyky topped up."""
    async with session_scope(sessions) as session:
        user = User(email=f"{uuid.uuid4().hex[:12]}@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        if credit:
            await ledger.top_up(session, user.id, credit, key=f"signup:{user.id}", note="welcome credit")
        return user.id


async def start_paid_job(sessions: async_sessionmaker[AsyncSession], user_id: int, template_id: int,
                         price: int, variant_count: int = 24) -> int | None:
    """What POST /generate does with the money: lock, a job row, its reservation, one commit. None when refused."""
    try:
        async with session_scope(sessions) as session:
            await ledger.lock_account(session, user_id)
            job = Job(user_id=user_id, template_id=template_id, photo_ids=[1], variant_count=variant_count,
                      year=2027, price_kopiyky=price)
            session.add(job)
            await session.flush()
            await ledger.reserve(session, job, price)
            return job.id
    except ledger.InsufficientCredit:
        return None
