"""Words with one meaning from the workflow to the database to the HTTP API."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

# PostgreSQL `integer`: a larger id can never exist, and must never reach the driver (it would raise, not miss).
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]

WORKFLOW_NAME = "CalendarGenerationWorkflow"
DEFAULT_WORKFLOW_ID_PREFIX = "calendar-generation"


def workflow_id_for(job_id: int, prefix: str = DEFAULT_WORKFLOW_ID_PREFIX) -> str:
    return f"{prefix}-{job_id}"


class Stage(StrEnum):
    """The customer-visible status of a generation (the seed's CalendarGenerationStatusDto.status)."""

    pending = "pending"
    training = "training"
    generating = "generating"
    ready_for_selection = "ready_for_selection"
    finalizing = "finalizing"
    completed = "completed"
    failed = "failed"
    expired = "expired"
    cancelled = "cancelled"


TERMINAL_STAGES = frozenset({Stage.completed, Stage.failed, Stage.expired, Stage.cancelled})
# From `finalizing` on, the customer's choice is being turned into a calendar: a cancel can no longer undo it.
SELECTION_ACCEPTED_STAGES = frozenset({Stage.finalizing, Stage.completed})


class VariantStatus(StrEnum):
    generating = "generating"
    ready = "ready"
    regenerating = "regenerating"  # a ready variant whose replacement is under way; it keeps its image till then
    failed = "failed"


class ModelStatus(StrEnum):
    training = "training"
    ready = "ready"
    failed = "failed"


class LedgerKind(StrEnum):
    """A customer's ledger entry (services/ledger.py), as stored and as GET /api/account shows it."""

    top_up = "top_up"  # + money in (signup credit, an operator, a payment provider)
    reservation = "reservation"  # - held at a generation's start
    release = "release"  # + the hold ends when the variants are delivered (a charge follows)
    charge = "charge"  # - what the delivered variants (or a paid regeneration) cost
    refund = "refund"  # + a reservation or paid regeneration given back in full
