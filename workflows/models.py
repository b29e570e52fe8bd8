"""CalendarGenerationWorkflow's own contracts: its input, signal, update, query and result — one model each.

The names the API uses to address them live here too, so the API never imports the workflow's code.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio.common import RetryPolicy

from contracts.messages import AccountRef
from contracts.selection import MonthPick
from contracts.vocabulary import Stage

SELECT_SIGNAL = "select"
REGENERATE_UPDATE = "regenerate_variant"
STATUS_QUERY = "status"
INSUFFICIENT_CREDIT_REFUSAL = "insufficient_credit"  # the type of a regeneration refused for the balance
# CalendarRenderWorkflow (workflows/calendar_render.py): its name, its signal, and one run per calendar at a time.
CALENDAR_RENDER_WORKFLOW_NAME = "CalendarRenderWorkflow"
CALENDAR_EDITED_SIGNAL = "edited"


def calendar_render_workflow_id(prefix: str, calendar_id: int) -> str:
    return f"{prefix}-calendar-render-{calendar_id}"


class RetryTuning(BaseModel):
    """How long database and storage work is retried through an outage (settings: CALENDARY_ACTIVITY_RETRY_*).

    Such work is idempotent, so it is retried without an attempt cap, every `max_interval` at the most, for up to
    `outage_tolerance` in all: an outage only delays a generation.
    """

    max_interval: timedelta = timedelta(minutes=1)
    outage_tolerance: timedelta = timedelta(hours=6)

    def policy(self, *final: str, first_interval: timedelta = timedelta(seconds=1)) -> RetryPolicy:
        """Retried without an attempt cap, backing off to `max_interval`; the failure types `final` (a refusal
        that no retry can change) end the step at once."""
        return RetryPolicy(initial_interval=first_interval, maximum_interval=self.max_interval, maximum_attempts=0,
                           non_retryable_error_types=list(final))


class GenerationInput(BaseModel):
    job_id: int
    user_id: int
    template_id: int
    photo_ids: list[int] = Field(min_length=1)
    variant_count: int = Field(default=24, ge=1, le=48)
    max_parallel: int = Field(default=4, ge=1)
    selection_timeout: timedelta = timedelta(days=7)
    expiry_reminder_before: timedelta = timedelta(hours=24)  # the reminder e-mail, this long before the deadline
    max_regenerations: int = Field(default=6, ge=0)
    max_variant_replacements: int = Field(default=2, ge=0)
    preview: bool = False
    year: int
    locale: str = "uk"
    # Training and synthesis run on their own task queue, so one rate limit caps provider calls across workers.
    provider_task_queue: str | None = None
    # How soon a provider activity on a dead worker is retried elsewhere (it heartbeats every second or two).
    heartbeat_timeout: timedelta = timedelta(minutes=1)
    retry: RetryTuning = RetryTuning()
    # Scoring (docs/scoring.md): CPU work on its own queue (None: the workflow's), and how many variants per
    # generation the likeness guard may replace with a fresh (paid) attempt.
    scoring_task_queue: str | None = None
    likeness_replacements: int = Field(default=3, ge=0)
    # The customer's words, appended to the theme's prompt for every variant (contracts.prompts checks them).
    custom_prompt: str | None = Field(default=None, max_length=300)
    # Money (workflows/settlement.py): regenerations beyond `free_regenerations` cost this much each.
    free_regenerations: int = Field(default=3, ge=0)
    regeneration_price_kopiyky: int = Field(default=0, ge=0)


class Selection(BaseModel):
    """The `select` signal: one variant for each of the 12 months.

    `selection_id` lets the sender find out what became of this very selection (`GenerationStatus.selection`).
    """

    selections: list[MonthPick]
    selection_id: str | None = None


class SelectionOutcome(BaseModel):
    selection_id: str | None
    accepted: bool
    problem_code: str | None = None
    problem: str | None = None


class RegenerateVariant(BaseModel):
    """The `regenerate_variant` update: replace one ready variant, optionally with the customer's own prompt."""

    variant_id: int
    custom_prompt: str | None = Field(default=None, max_length=500)


class RegenerationAccepted(BaseModel):
    variant_id: int
    variant_number: int
    regenerations_left: int


class RegenerateRequest(BaseModel):
    """The `regenerate` signal of runs started before the update existed (kept so that they still replay)."""

    variant_id: int
    custom_prompt: str | None = Field(default=None, max_length=500)


class GenerationStatus(BaseModel):
    """The `status` query result."""

    job_id: int
    stage: Stage
    progress: int
    current_step: str
    variants_ready: int
    variant_count: int
    regenerations_left: int
    regenerating_variant_ids: list[int] = []
    calendar_id: int | None = None
    error: str | None = None
    selection: SelectionOutcome | None = None  # what became of the newest selection received
    cancel_refused: bool = False  # a cancel arrived after the selection was accepted: the calendar was finished


class GenerationResult(BaseModel):
    job_id: int
    stage: Stage
    calendar_id: int | None = None
    error: str | None = None
    cancel_refused: bool = False


# AccountErasureWorkflow (workflows/account_erasure.py): what the provider keeps of an erased account.
ACCOUNT_ERASURE_WORKFLOW_NAME = "AccountErasureWorkflow"


def account_erasure_workflow_id(prefix: str, account: AccountRef) -> str:
    # With the account's creation time: SQLite may give a later account the same id.
    return f"{prefix}-erase-account-{account.user_id}-{account.created_at:%Y%m%dT%H%M%S%f}"


class AccountErasureInput(BaseModel):
    account: AccountRef
    photo_sha256: list[str] = []  # of every image sent to the provider, photos and variants (uploaded as photo-…)
    provider_task_queue: str | None = None  # None: the workflow's own
    retry: RetryTuning = RetryTuning()
    # How soon a provider erasure whose worker died is retried (CALENDARY_PROVIDER_HEARTBEAT_TIMEOUT); None, as in
    # runs started before it existed: only after the erasure's 5-minute limit.
    heartbeat_timeout: timedelta | None = None
    # How long the erasure waits for the account's deletion to commit (the API starts it just before the commit);
    # an account still there after this was not erased (the commit failed): nothing is deleted at the provider.
    commit_wait: timedelta = timedelta(minutes=2)


# A render (the generation's or an edit's) beats every second; a worker that died mid-render is taken for dead after
# this, and the render retried elsewhere instead of after its 10-minute limit.
RENDER_HEARTBEAT_TIMEOUT = timedelta(seconds=30)
# The generation's database steps (its plan, job updates, variant marks, finalizing, deleting) take milliseconds but
# may run minutes through a slow store; they beat while they run, so a worker that died under one is taken for dead
# after this and the step retried elsewhere, instead of after its start-to-close limit (a minute). A step wrongly
# taken for dead is only run twice: each is idempotent.
STEP_HEARTBEAT_TIMEOUT = timedelta(seconds=10)


class CalendarRenderInput(BaseModel):
    """CalendarRenderWorkflow's input: the calendar it renders (its owner checked by the activity)."""

    calendar_id: int
    user_id: int
    retry: RetryTuning = RetryTuning()


class CalendarEdited(BaseModel):
    """CalendarRenderWorkflow's `edited` signal: the calendar's version just committed, to be rendered."""

    version: int = Field(ge=1)
