"""The activities the worker runs and the fakes the workflow tests use implement the contracts' stubs: same names,
same argument and result types — so what the workflow tests prove holds for the real thing."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, cast

import pytest
from temporalio import activity

from activities import all_activities, provider_activities, scoring_activities
from activities.deps import ActivityDeps
from contracts import activities as contract
from tests.workflows.fake_activities import FakeActivities


def _name(fn: Callable[..., Any]) -> str:
    definition = activity._Definition.from_callable(fn)  # noqa: SLF001 - the SDK's own record of the name
    assert definition is not None and definition.name is not None, f"{fn} is not an activity"
    return definition.name


def _types(fn: Callable[..., Any]) -> tuple[list[Any], Any]:
    hints = typing.get_type_hints(fn)
    parameters = [hints[name] for name in inspect.signature(fn).parameters]
    return parameters, hints.get("return")


def _by_name(functions: list[Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {_name(fn): fn for fn in functions}


REAL = _by_name(all_activities(cast(ActivityDeps, None), cast(Any, None))
                + provider_activities(cast(ActivityDeps, None)) + scoring_activities(cast(ActivityDeps, None)))
FAKE = _by_name(FakeActivities().all())


def test_every_contract_is_implemented_once_and_nothing_else_is_registered() -> None:
    assert set(REAL) == {stub.__name__ for stub in contract.ALL}
    assert set(FAKE) == {stub.__name__ for stub in contract.GENERATION_ACTIVITIES}


@pytest.mark.parametrize("stub", contract.ALL, ids=lambda stub: stub.__name__)
def test_the_real_activity_has_the_contracts_signature(stub: Callable[..., Any]) -> None:
    assert _types(REAL[stub.__name__]) == _types(stub)


@pytest.mark.parametrize("stub", contract.GENERATION_ACTIVITIES, ids=lambda stub: stub.__name__)
def test_the_fake_has_the_contracts_signature(stub: Callable[..., Any]) -> None:
    assert _types(FAKE[stub.__name__]) == _types(stub)
