"""The replicate stack (testkit.replicate_stack) for the tests; the session fixture `dev_server` is in
tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from db.models import WebhookEvent
from testkit.fake_replicate.server import FakeReplicate
from testkit.stack import Stack


async def webhook_events(stack: Stack) -> list[WebhookEvent]:
    async with stack.deps.sessions() as session:
        return list((await session.exec(select(WebhookEvent).order_by(WebhookEvent.id))).all())


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server
