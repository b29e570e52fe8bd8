"""The API's one error format and every problem it can answer, in one place.

Every non-2xx answer is an RFC 9457 problem (`application/problem+json`): `type`, `title`, `status`, a `detail`
sentence a person can act on, a stable snake_case `code` for programs, and `errors: [{field, code, message}]` for
field problems. Each code has exactly one HTTP status (one status per kind of problem: every validation problem is
422); `docs/api.md` lists every code and what a client should do about it (a test keeps the two in step). Codes of
a refused selection or regeneration are the workflow's own (`contracts.selection.SelectionCode`), reused here.

Routes raise `ApiProblem(KIND, detail)`; api.errors turns it (and every framework error) into the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from contracts.selection import SelectionCode

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:calendary:problem:"  # a URN: stable and unique, and promises no page to fetch

ParamValue = str | int


class FieldProblem(BaseModel):
    """One problem with one field of the request."""

    field: str = Field(description="dotted path of the field, e.g. `photo_ids.0` or `query.token`")
    code: str = Field(description="what is wrong with it, e.g. `missing`, `string_too_short`, `int_parsing`")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every non-2xx answer."""

    type: str = Field(description=f"`{TYPE_PREFIX}<code>`")
    title: str = Field(description="the same short summary for every problem with this code")
    status: int = Field(description="the HTTP status, repeated")
    detail: str = Field(description="this occurrence, in English, for a person; never parse it — read `code`")
    code: str = Field(description="stable snake_case code (see docs/api.md); a client must also expect new ones")
    errors: list[FieldProblem] = Field(default_factory=list, description="field problems (validation only)")
    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="values the detail names (a file name, a limit), for a client's own words")


@dataclass(frozen=True)
class ProblemKind:
    code: str
    status: int
    title: str
    advice: str  # what a client should do; docs/api.md says the same in its table

    def body(self, detail: str, *, errors: list[FieldProblem] | None = None,
             params: dict[str, ParamValue] | None = None) -> Problem:
        return Problem(type=TYPE_PREFIX + self.code, title=self.title, status=self.status, detail=detail,
                       code=self.code, errors=errors or [], params=params or {})


KINDS: dict[str, ProblemKind] = {}


def _kind(code: str, status: HTTPStatus, title: str, advice: str) -> ProblemKind:
    assert code not in KINDS, f"problem code {code} registered twice"
    KINDS[code] = kind = ProblemKind(code, int(status), title, advice)
    return kind


class ApiProblem(Exception):
    """Raised by routes and dependencies; answered as `kind.body(...)` with the kind's status."""

    def __init__(self, kind: ProblemKind, detail: str, *, errors: list[FieldProblem] | None = None,
                 params: dict[str, ParamValue] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.errors, self.params, self.headers = kind, detail, errors, params, headers

    def body(self) -> Problem:
        return self.kind.body(self.detail, errors=self.errors, params=self.params)


S = HTTPStatus
# --- the request itself ----------------------------------------------------------------------------------------
VALIDATION_FAILED = _kind("validation_failed", S.UNPROCESSABLE_ENTITY, "The request is not valid",
                          "Fix the fields listed in `errors` and send again.")
NOT_FOUND = _kind("not_found", S.NOT_FOUND, "Not found",
                  "The id does not exist or is not yours: reload the list it came from.")
METHOD_NOT_ALLOWED = _kind("method_not_allowed", S.METHOD_NOT_ALLOWED, "Method not allowed",
                           "A client bug: use the method the API document gives for this path.")
REQUEST_TOO_LARGE = _kind("request_too_large", S.REQUEST_ENTITY_TOO_LARGE, "The request body is too large",
                          "Send a smaller body (`params.limit_bytes`); upload photos in several requests.")
RATE_LIMITED = _kind("rate_limited", S.TOO_MANY_REQUESTS, "Too many requests",
                     "Wait the `Retry-After` seconds, then try again.")
TOO_MANY_STREAMS = _kind("too_many_streams", S.TOO_MANY_REQUESTS, "Too many live event streams open",
                         "Close another tab's stream, or poll GET …/status instead.")
INTERNAL_ERROR = _kind("internal_error", S.INTERNAL_SERVER_ERROR, "Internal error",
                       "A server bug (it is logged): try again later; report it if it persists.")
# --- accounts --------------------------------------------------------------------------------------------------
AUTH_REQUIRED = _kind("auth_required", S.UNAUTHORIZED, "A valid bearer token is required",
                      "Log in again (POST /api/auth/login) and repeat the request with the new token.")
WRONG_CREDENTIALS = _kind("wrong_credentials", S.UNAUTHORIZED,
                          "Wrong email or password, or the email is not confirmed yet",
                          "Ask the person to check the email and password, or to open the link e-mailed at sign-up.")
VERIFICATION_TOKEN_INVALID = _kind("verification_token_invalid", S.UNPROCESSABLE_ENTITY,
                                    "The e-mail confirmation link is invalid or expired",
                                    "Register again (POST /api/auth/register) for a new link, or sign in if the "
                                    "e-mail is already confirmed.")
RESET_TOKEN_INVALID = _kind("reset_token_invalid", S.UNPROCESSABLE_ENTITY,
                             "The password-reset link is invalid, used or expired",
                             "Ask for a new link (POST /api/auth/password-reset).")
LINK_INVALID = _kind("link_invalid", S.FORBIDDEN, "The link is invalid or has expired",
                     "Read the resource again for a freshly signed URL.")
GENERATION_RUNNING = _kind("generation_running", S.CONFLICT, "A generation is still running",
                          "Cancel it (DELETE /api/calendars/generate/{id}, `params.generation_id`) or let it finish, "
                          "then try again.")
# --- photos ----------------------------------------------------------------------------------------------------
PHOTO_TOO_LARGE = _kind("photo_too_large", S.REQUEST_ENTITY_TOO_LARGE, "The photo file is too large",
                        "Upload a smaller file (GET /api/config: max_upload_bytes).")
PHOTO_TOO_MANY_PIXELS = _kind("photo_too_many_pixels", S.REQUEST_ENTITY_TOO_LARGE, "The photo has too many pixels",
                              "Upload a photo of fewer pixels.")
PHOTO_NOT_AN_IMAGE = _kind("photo_not_an_image", S.UNSUPPORTED_MEDIA_TYPE, "The file is not an image",
                           "Upload a JPEG, PNG, WebP or HEIC photo.")
PHOTO_UNSUPPORTED_TYPE = _kind("photo_unsupported_type", S.UNSUPPORTED_MEDIA_TYPE, "This image type is not supported",
                               "Upload a JPEG, PNG, WebP or HEIC photo (GET /api/config: accepted_types).")
PHOTO_EMPTY = _kind("photo_empty", S.UNPROCESSABLE_ENTITY, "The photo file is empty", "Choose the file again.")
PHOTO_DAMAGED = _kind("photo_damaged", S.UNPROCESSABLE_ENTITY, "The photo file is damaged or incomplete",
                      "Upload the file again, or another copy of it.")
PHOTO_TOO_SMALL = _kind("photo_too_small", S.UNPROCESSABLE_ENTITY, "The photo is too small to print",
                        "Upload a larger photo (GET /api/config: min_short_side).")
TOO_MANY_PHOTOS = _kind("too_many_photos", S.UNPROCESSABLE_ENTITY, "Too many photos",
                        "Send fewer photos (GET /api/config: max_photos_per_generation).")
PHOTO_IN_USE = _kind("photo_in_use", S.CONFLICT, "The photo is used by a generation",
                     "Delete or finish that generation first (`params.generation_id`).")
PHOTO_IN_CALENDAR = _kind("photo_in_calendar", S.CONFLICT, "The photo is in a calendar",
                          "Keep the photo, or delete that calendar first (`params.calendar_id`).")
# --- generations -----------------------------------------------------------------------------------------------
TEMPLATE_UNKNOWN = _kind("template_unknown", S.UNPROCESSABLE_ENTITY, "No such theme",
                         "Choose a template from GET /api/templates.")
PHOTOS_REQUIRED = _kind("photos_required", S.UNPROCESSABLE_ENTITY, "Choose at least one photo",
                        "Send at least one photo id.")
PHOTOS_REPEATED = _kind("photos_repeated", S.UNPROCESSABLE_ENTITY, "A photo is listed more than once",
                        "Send each photo id once.")
PHOTOS_UNKNOWN = _kind("photos_unknown", S.UNPROCESSABLE_ENTITY, "Some photos do not exist",
                       "Send ids from GET /api/photos (`params.photo_ids` lists the unknown ones).")
CUSTOM_PROMPT_REFUSED = _kind("custom_prompt_refused", S.UNPROCESSABLE_ENTITY,
                              "The prompt asks for content we don't make",
                              "Rephrase without the words in `params.words` (the list is in docs/scoring.md).")
GENERATION_WRONG_STAGE = _kind("generation_wrong_stage", S.CONFLICT, "Not possible at this stage",
                               "Read the status (GET …/status) and act on its `status`.")
GENERATION_FINISHED = _kind("generation_finished", S.CONFLICT, "The generation has already ended",
                            "Nothing to do: read its status; start a new generation to change anything.")
GENERATION_NOT_CANCELLABLE = _kind("generation_not_cancellable", S.CONFLICT,
                                   "The selection was accepted: the calendar is being made",
                                   "Wait for `completed`; the calendar can be edited afterwards.")
_SELECTION: dict[SelectionCode, tuple[HTTPStatus, str, str]] = {
    SelectionCode.selection_wrong_count: (S.UNPROCESSABLE_ENTITY, "Choose exactly 12 variants",
                                          "Send 12 selections, one per month."),
    SelectionCode.selection_month_repeated: (S.UNPROCESSABLE_ENTITY, "Every month must be chosen once",
                                             "Send months 1-12, each once."),
    SelectionCode.selection_variant_repeated: (S.UNPROCESSABLE_ENTITY, "A variant is used for two months",
                                               "Use each variant for one month (preview generations may repeat)."),
    SelectionCode.selection_variant_unknown: (S.UNPROCESSABLE_ENTITY, "Not a ready variant of this generation",
                                              "Re-read the variants and choose among those `ready`."),
    SelectionCode.selection_variant_regenerating: (S.CONFLICT, "A chosen variant is being regenerated",
                                                   "Wait until it is `ready` again, then select."),
    SelectionCode.generation_not_selectable: (S.CONFLICT, "The generation is not choosing now",
                                              "Read the status; regenerate only in `ready_for_selection`."),
    SelectionCode.variant_not_ready: (S.CONFLICT, "The variant is not ready",
                                      "Wait until the variant is `ready`."),
    SelectionCode.variant_regenerating: (S.CONFLICT, "The variant is already being regenerated",
                                         "Wait for the new image; don't send the request twice."),
    SelectionCode.regeneration_budget_spent: (S.CONFLICT, "No regenerations left",
                                              "Choose among the variants there are."),
}
SELECTION: dict[str, ProblemKind] = {str(code): _kind(code, *about) for code, about in _SELECTION.items()}
SELECTION_REFUSALS = [kind for code, kind in SELECTION.items() if code.startswith("selection_")]
REGENERATION_REFUSALS = [kind for code, kind in SELECTION.items() if not code.startswith("selection_")]
# --- money -------------------------------------------------------------------------------------------------------
INSUFFICIENT_CREDIT = _kind("insufficient_credit", S.PAYMENT_REQUIRED, "The balance does not cover the price",
                            "Top up at least `params.shortfall_uah` ₴ (GET /api/account), then start again.")
QUOTE_EXPIRED = _kind("quote_expired", S.CONFLICT, "The quote has expired",
                      "Ask for a new quote (POST /api/calendars/quote) and start with its `quote_id`.")
QUOTE_MISMATCH = _kind("quote_mismatch", S.UNPROCESSABLE_ENTITY, "The quote is for another generation",
                       "Start with the theme, photos and preview the quote names, or ask for a new quote.")
IDEMPOTENCY_KEY_REUSED = _kind("idempotency_key_reused", S.UNPROCESSABLE_ENTITY,
                               "The Idempotency-Key was used for a different request",
                               "Send a new key for a new generation; repeat a start only with its own body.")
TOO_MANY_GENERATIONS = _kind("too_many_generations", S.TOO_MANY_REQUESTS, "Too many generations at once",
                             "Wait until one reaches `ready_for_selection` (`params.limit` run at once).")
DAILY_SPEND_LIMIT = _kind("daily_spend_limit", S.TOO_MANY_REQUESTS, "Today's spending limit is reached",
                          "Start again after midnight UTC (`params.limit_uah`, `params.spent_uah`).")
PROVIDER_BUDGET_REACHED = _kind("provider_budget_reached", S.SERVICE_UNAVAILABLE,
                                "New generations are paused for today",
                                "Try again later (after midnight UTC); running generations are not affected.")
# --- calendars -------------------------------------------------------------------------------------------------
CALENDAR_OPTIONS_INVALID = _kind("calendar_options_invalid", S.UNPROCESSABLE_ENTITY,
                                 "These options can't make a calendar",
                                 "Show the person `detail`; they change the options.")
CALENDAR_RENDER_PENDING = _kind("calendar_render_pending", S.CONFLICT, "The calendar is being rendered",
                                "Try again in a few seconds.")
CALENDAR_VERSION_REQUIRED = _kind("calendar_version_required", S.PRECONDITION_REQUIRED,
                                  "An edit must name the calendar version it changes",
                                  "Send the `version` you last read, in `If-Match: \"<version>\"` or the body.")
CALENDAR_EDIT_CONFLICT = _kind("calendar_edit_conflict", S.CONFLICT, "The calendar was changed meanwhile",
                               "Read the calendar again (`params.current_version`), show the person what changed, "
                               "and send the edit with that version.")
# --- the services behind the API -------------------------------------------------------------------------------
WRITE_CONFLICT = _kind("write_conflict", S.CONFLICT, "The change conflicts with another made at the same time",
                       "Reload and try again.")
DATABASE_UNAVAILABLE = _kind("database_unavailable", S.SERVICE_UNAVAILABLE, "The database is unavailable",
                             "Retry after the `Retry-After` seconds.")
WORKFLOW_SERVICE_UNAVAILABLE = _kind("workflow_service_unavailable", S.SERVICE_UNAVAILABLE,
                                     "The generation service is unavailable", "Retry in a minute.")
GENERATION_START_REFUSED = _kind("generation_start_refused", S.SERVICE_UNAVAILABLE,
                                 "The generation could not be started",
                                 "Start it again (the refused one is marked `failed` and its reservation refunded).")
# --- provider webhooks (for the image provider, not for customers) ---------------------------------------------
WEBHOOK_SIGNATURE_INVALID = _kind("webhook_signature_invalid", S.UNAUTHORIZED, "Webhook signature rejected",
                                  "Nothing was stored; the provider delivers it again.")
WEBHOOK_PAYLOAD_INVALID = _kind("webhook_payload_invalid", S.UNPROCESSABLE_ENTITY,
                                "The webhook body is not a prediction or training", "Nothing was stored.")
WEBHOOKS_NOT_CONFIGURED = _kind("webhooks_not_configured", S.SERVICE_UNAVAILABLE, "Webhooks are not configured",
                                "An operator must set the webhook secret; the provider retries meanwhile.")


# A generation's own failure, in the status DTO's `error_code` (its `error` is this sentence): what went wrong
# inside the provider stays in the logs and the operators' Temporal UI, never in a customer's answer.
@dataclass(frozen=True)
class JobErrorKind:
    code: str
    message: str
    advice: str


JOB_ERRORS: dict[str, JobErrorKind] = {kind.code: kind for kind in (  # keyed by code
    JobErrorKind("generation_failed", "the calendar could not be generated",
                 "Start a new generation; the photos are kept."),
    JobErrorKind("selection_refused", "the selection was refused; please choose again",
                 "Re-read the variants and select again before `expires_at`."),
)}


def problem_example(kind: ProblemKind) -> dict[str, Any]:
    """The example the API document shows for `kind`."""
    errors = [FieldProblem(field="photo_ids", code="missing", message="Field required")] \
        if kind is VALIDATION_FAILED else None
    return kind.body(f"{kind.title} (this occurrence, in words)", errors=errors).model_dump(mode="json")
