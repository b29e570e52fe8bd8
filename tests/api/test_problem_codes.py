"""docs/api.md lists exactly the error codes the code can answer, each with its one status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.problems import JOB_ERRORS, KINDS
from contracts.selection import SelectionCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<code>[a-z0-9_]+)` \| (?P<rest>.+) \|$", re.MULTILINE)


def _documented() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    text = DOC.read_text()
    problems_table, job_table = text.split("### A generation's own errors")
    return ({m["code"]: m["rest"].split(" | ") for m in ROW.finditer(problems_table)},
            {m["code"]: m["rest"].split(" | ") for m in ROW.finditer(job_table)})


def test_every_problem_code_is_documented_as_the_code_says_and_nothing_else_is() -> None:
    documented, _ = _documented()
    assert documented == {code: [str(kind.status), kind.title, kind.advice] for code, kind in KINDS.items()}


def test_every_generation_error_code_is_documented() -> None:
    _, documented = _documented()
    assert documented == {code: [kind.message, kind.advice] for code, kind in JOB_ERRORS.items()}


def test_the_workflows_refusal_codes_are_problem_codes() -> None:
    assert {str(code) for code in SelectionCode} <= set(KINDS)


def test_codes_are_stable_snake_case_and_unique_across_both_lists() -> None:
    codes = [*KINDS, *JOB_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code) for code in codes)


_NOT_FOR_CUSTOMERS = {"webhook_signature_invalid", "webhook_payload_invalid", "webhooks_not_configured",
                      "method_not_allowed", "internal_error"}  # the provider's, a client bug's, or told by status


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_the_web_page_has_a_sentence_for_every_code_a_customer_can_meet(lang: str) -> None:
    text = (DOC.parents[1] / "api" / "web" / "js" / "locales" / f"{lang}.js").read_text()
    problems = set(re.findall(r"'problem\.([a-z0-9_]+)'", text))
    job_errors = set(re.findall(r"'jobError\.([a-z0-9_]+)'", text))
    assert problems == set(KINDS) - _NOT_FOR_CUSTOMERS
    assert job_errors == {*JOB_ERRORS, "unknown"}
