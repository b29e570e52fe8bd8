"""docs/api.md lists exactly the error codes the code can answer, each with its one status."""

from __future__ import annotations

import re
from pathlib import Path

from api.problems import JOB_ERRORS, KINDS
from contracts.selection import SelectionCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<code>[a-z0-9_]+)` \| (?P<second>[^|]+) \|", re.MULTILINE)


def _documented() -> tuple[dict[str, int], set[str]]:
    text = DOC.read_text()
    problems_table, job_table = text.split("### A generation's own errors")
    problems = {m["code"]: int(m["second"]) for m in ROW.finditer(problems_table)}
    return problems, {m["code"] for m in ROW.finditer(job_table)}


def test_every_problem_code_is_documented_with_its_status_and_nothing_else_is() -> None:
    documented, _ = _documented()
    assert documented == {code: kind.status for code, kind in KINDS.items()}


def test_every_generation_error_code_is_documented() -> None:
    _, documented = _documented()
    assert documented == set(JOB_ERRORS)


def test_the_workflows_refusal_codes_are_problem_codes() -> None:
    assert {str(code) for code in SelectionCode} <= set(KINDS)


def test_codes_are_stable_snake_case_and_unique_across_both_lists() -> None:
    codes = [*KINDS, *JOB_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code) for code in codes)
