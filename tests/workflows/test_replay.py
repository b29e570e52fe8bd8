"""Histories saved from real runs must replay on today's workflow code: a non-deterministic change fails here,
not in the workflows customers have running for up to seven days."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.calendar_generation import CalendarGenerationWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_present() -> None:
    assert {p.stem for p in HISTORIES} >= {"completed_with_replacement_and_regeneration", "expired",
                                           "completed_with_print_upscale",
                                           "progress_by_synthesis_faces_beside_training"}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(f"calendar-generation-{path.stem}", path.read_text())
    replayer = Replayer(workflows=[CalendarGenerationWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
