"""Accessibility audits with axe-core (Deque's engine, an npm dev dependency: `make axe`) inside the Chromium tests.

axe.min.js is injected from node_modules on disk, never from a CDN. The page's Content-Security-Policy allows no
inline script, so the audited browser context is opened with `bypass_csp=True` (the page itself keeps its CSP;
tests/web/test_static.py checks it). Only the WCAG 2.0/2.1/2.2 A and AA rules run, and a state fails on any
serious or critical violation; every failing state is collected so one run reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from settings import PROJECT_ROOT
from tests.conftest import IN_CI

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

_RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
        rule: violation.id, impact: violation.impact, help: violation.help,
        nodes: violation.nodes.map((node) => ({
            target: node.target.join(' '), summary: node.failureSummary || '' })),
    }));
}"""


def axe_script() -> str:
    """The path of axe.min.js; skipped locally, failed on CI, when `make axe` has not installed it."""
    if not AXE_SCRIPT.exists():
        reason = f"{AXE_SCRIPT} is missing: run `make axe` (npm ci)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return str(AXE_SCRIPT)


@dataclass
class Audit:
    """Runs axe on each page state it is shown and keeps the blocking violations, named by state."""

    script: str
    failures: dict[str, list[str]] = field(default_factory=dict)  # "rule (impact) at target: help. summary" → states
    states: list[str] = field(default_factory=list)

    async def check(self, page, state: str) -> None:  # noqa: ANN001
        if not await page.evaluate("typeof window.axe !== 'undefined'"):  # a navigation drops it
            await page.add_script_tag(path=self.script)
        violations = await page.evaluate(_RUN_AXE, WCAG_AA_TAGS)
        self.states.append(state)
        for violation in violations:
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            for node in violation["nodes"]:
                summary = " ".join(node["summary"].split())
                finding = (f"{violation['rule']} ({violation['impact']}) at {node['target']}: {violation['help']}. "
                           f"{summary}")
                self.failures.setdefault(finding, []).append(state)

    def report(self) -> str:
        """One line per rule, element and message, with every state it was found in."""
        lines = [f"- {finding}\n    in: {'; '.join(states)}" for finding, states in self.failures.items()]
        return f"{len(lines)} serious or critical violations:\n" + "\n".join(lines)
