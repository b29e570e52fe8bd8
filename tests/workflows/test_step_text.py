"""One step vocabulary: the workflow's own step text (the job's `current_step`, the Temporal UI) numbers and names
the steps exactly as the page's step bar and progress line do (issue 15 item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contracts.vocabulary import Stage
from workflows.steps import JOURNEY_STEPS, STEP_TEXT

WEB = Path(__file__).resolve().parents[2] / "api" / "web" / "js"
# The page's progress line for each stage the workflow describes with a step number.
PAGE_KEYS = {Stage.pending: "job.stepPending", Stage.training: "job.stepTraining",
             Stage.generating: "job.stepGenerating", Stage.ready_for_selection: "job.stepSelect",
             Stage.finalizing: "job.stepFinalizing"}


def _english() -> str:
    return (WEB / "locales" / "en.js").read_text(encoding="utf-8")


def test_the_journey_steps_are_the_step_bars() -> None:
    keys = re.search(r"STEP_KEYS = \[([^\]]*)\]", (WEB / "app.js").read_text(encoding="utf-8"))
    assert keys is not None
    names = [re.search(rf"'{key}': '([^']*)'", _english()) for key in re.findall(r"'([^']+)'", keys.group(1))]
    assert tuple(name.group(1) for name in names if name) == JOURNEY_STEPS


@pytest.mark.parametrize("stage", list(PAGE_KEYS))
def test_the_workflow_counts_steps_as_the_page_does(stage: Stage) -> None:
    page = re.search(rf"'{PAGE_KEYS[stage]}': [^\n]*?'(Step \d+ of \d+ · [^:]+):", _english())
    assert page is not None
    assert STEP_TEXT[stage].startswith(page.group(1) + ":"), (STEP_TEXT[stage], page.group(1))


def test_no_stage_says_of_4() -> None:
    assert not [text for text in STEP_TEXT.values() if "of 4" in text]
