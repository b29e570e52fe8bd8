"""The rules of a calendar selection — one variant for each of the 12 months — checked in one place.

The API checks them before signalling the workflow (so the customer gets a 4xx at once); the workflow checks them
again with what only it knows for sure at that moment (a regeneration may have started in between).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.vocabulary import DbId

MONTHS = range(1, 13)


class MonthPick(BaseModel):
    """One month of the calendar and the variant chosen for it."""

    variant_id: DbId
    month_number: int = Field(ge=1, le=12)


class SelectionCode(StrEnum):
    """Stable codes of why a choice (a selection, a regeneration) is refused: the API's problem codes reuse them
    (api.problems), and the workflow sends them as its `ApplicationError.type`, so they never change spelling."""

    selection_wrong_count = "selection_wrong_count"
    selection_month_repeated = "selection_month_repeated"
    selection_variant_repeated = "selection_variant_repeated"
    selection_variant_regenerating = "selection_variant_regenerating"
    selection_variant_unknown = "selection_variant_unknown"
    generation_not_selectable = "generation_not_selectable"
    variant_not_ready = "variant_not_ready"
    variant_regenerating = "variant_regenerating"
    regeneration_budget_spent = "regeneration_budget_spent"


@dataclass(frozen=True)
class SelectionProblem:
    """Why a selection cannot make a calendar: a stable `code` for programs, a `message` for people."""

    code: SelectionCode
    message: str


def selection_problem(picks: Sequence[MonthPick], *, allow_repeats: bool = False,
                      ready_variant_ids: Collection[int] | None = None,
                      regenerating_variant_ids: Collection[int] = ()) -> SelectionProblem | None:
    """None when the picks make a calendar.

    `allow_repeats` is for preview generations: 6 variants may fill 12 months. `ready_variant_ids`, when given,
    are the variants that may be chosen; `regenerating_variant_ids` are being replaced and can't be chosen yet.
    """
    if len(picks) != 12:
        return SelectionProblem(SelectionCode.selection_wrong_count,
                                f"must select exactly 12 variants (one per month), got {len(picks)}")
    months = sorted(p.month_number for p in picks)
    if months != list(MONTHS):
        missing = sorted(set(MONTHS) - set(months))
        return SelectionProblem(SelectionCode.selection_month_repeated,
                                f"every month 1-12 must be chosen exactly once; missing months: {missing}")
    if not allow_repeats and len({p.variant_id for p in picks}) != 12:
        return SelectionProblem(SelectionCode.selection_variant_repeated, "each variant may be used for one month only")
    busy = sorted({p.variant_id for p in picks} & set(regenerating_variant_ids))
    if busy:
        return SelectionProblem(SelectionCode.selection_variant_regenerating,
                                f"variants {busy} are being regenerated; choose them once they are ready")
    if ready_variant_ids is not None:
        unknown = sorted({p.variant_id for p in picks} - set(ready_variant_ids))
        if unknown:
            return SelectionProblem(SelectionCode.selection_variant_unknown,
                                    f"variants {unknown} are not ready variants of this generation")
    return None


def regeneration_problem(variant_id: int, *, choosing: bool, stage: str, ready: bool, used: int, allowed: int,
                         regenerating: bool) -> SelectionProblem | None:
    """None when the variant may be regenerated now: while the customer chooses, a ready variant not being
    replaced already, within the generation's budget of regenerations."""
    if not choosing:
        return SelectionProblem(SelectionCode.generation_not_selectable,
                                f"variants can be regenerated only while choosing, not while {stage}")
    if not ready:
        return SelectionProblem(SelectionCode.variant_not_ready, f"variant {variant_id} is not a ready variant")
    # The spent budget first: it holds for every variant, while a replacement's scoring (after its image is shown)
    # keeps the variant "regenerating" a moment longer.
    if used >= allowed:
        return SelectionProblem(SelectionCode.regeneration_budget_spent,
                                f"all {allowed} regenerations of this generation are used")
    if regenerating:
        return SelectionProblem(SelectionCode.variant_regenerating,
                                f"variant {variant_id} is already being regenerated")
    return None
