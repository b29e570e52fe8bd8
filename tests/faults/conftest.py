"""The fault-injection suite: scenarios from testkit.faults on the stack an operator runs, judged by what the API,
the storage listing and the provider's bill show afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.fake_replicate.server import FakeReplicate

pytestmark = pytest.mark.faults


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as running:
        yield running
