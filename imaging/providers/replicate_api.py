"""The thin layer between ReplicateProvider and the `replicate` 1.0.x client.

- Reads (get, list) return the raw JSON as a `JobSnapshot` instead of the client's pydantic models: those
  reject statuses they don't know (the API has sent "aborted") and drop fields we need (`webhook`, which
  carries our tag). They still go through the client's own HTTP session: same auth, base URL and retries.
- Writes use the client's typed methods.
- Every client or transport failure leaves this layer as ProviderError or ContentRejected.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import replicate
from replicate.exceptions import ReplicateError

from imaging.providers.base import ContentRejected, ProviderAccountError, ProviderError

try:  # the client builds its models on pydantic's v1 API, as this import shows
    from pydantic import v1 as pydantic_v1
except ImportError:  # pragma: no cover - pydantic 1 installed
    import pydantic as pydantic_v1  # type: ignore[no-redef]

log = logging.getLogger(__name__)
T = TypeVar("T")

JobKind = Literal["prediction", "training"]
RUNNING_STATUSES = frozenset({"starting", "processing"})
TAG_QUERY_PARAM = "tag"
# Failures that a retry with the same input cannot fix. Replicate reports them as prose, so match phrases.
_REJECTION_PHRASES = ("nsfw content detected", "no images found", "not a zip file", "cannot identify image")
_THROTTLE_DETAIL = re.compile(r"resets in ~?(\d+(?:\.\d+)?)\s*s")
# What an operator must do when Replicate refuses the account itself; retrying would only repeat the refusal.
_ACCOUNT_PROBLEMS = {
    401: "the API token is missing or wrong - set a valid REPLICATE_API_TOKEN",
    402: "the account has no credit left - add credit at https://replicate.com/account/billing",
    403: "the token may not use this model or destination - check the account's access",
}
_PREDICTION_CREATE_PATH = re.compile(r"/v1/(predictions|models/[^/]+/[^/]+/predictions)$")


@dataclass(frozen=True)
class JobSnapshot:
    """A prediction or training as the API last showed it, whatever its status."""

    id: str
    status: str
    input: dict[str, Any] = field(default_factory=dict)
    output: Any = None
    error: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    version: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    data_removed: bool = False
    # None when the object carries no webhook (none was given, or a listing omitted the field).
    webhook: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobSnapshot:
        version = data.get("version")
        return cls(
            id=str(data["id"]),
            status=str(data.get("status") or "unknown"),
            input=data.get("input") or {},
            output=data.get("output"),
            error=data.get("error"),
            metrics=data.get("metrics") or {},
            model=data.get("model"),
            version=version if isinstance(version, str) else (version or {}).get("id"),
            created_at=_parse_time(data.get("created_at")),
            completed_at=_parse_time(data.get("completed_at")),
            data_removed=bool(data.get("data_removed")),
            webhook=data.get("webhook"),
        )

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def is_content_rejection(self) -> bool:
        error = (self.error or "").lower()
        return self.status == "failed" and any(phrase in error for phrase in _REJECTION_PHRASES)

    @property
    def is_reusable(self) -> bool:
        """Running, or succeeded with its output still downloadable: worth adopting instead of paying again."""
        return self.is_running or (self.status == "succeeded" and not self.data_removed)

    @property
    def tag(self) -> str | None:
        return tag_of(self.webhook)

    def age_seconds(self, now: float | None = None) -> float:
        if self.created_at is None:
            return 0.0
        return (time.time() if now is None else now) - self.created_at.timestamp()

    @property
    def run_seconds(self) -> float | None:
        """Creation to completion (queueing included), by the server's clock; None while it runs."""
        if self.created_at is None or self.completed_at is None:
            return None
        return (self.completed_at - self.created_at).total_seconds()

    @property
    def predict_seconds(self) -> float:
        return float(self.metrics.get("predict_time") or 0.0)


def with_tag(webhook_url: str, tag: str) -> str:
    parts = urlsplit(webhook_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != TAG_QUERY_PARAM]
    return urlunsplit(parts._replace(query=urlencode([*query, (TAG_QUERY_PARAM, tag)])))


def tag_of(webhook_url: str | None) -> str | None:
    if not webhook_url:
        return None
    return dict(parse_qsl(urlsplit(webhook_url).query)).get(TAG_QUERY_PARAM)


def build_client(
    *, api_token: str, base_url: str, request_timeout_seconds: float, cancel_after: str | None,
    transport: httpx.AsyncBaseTransport,
) -> replicate.Client:
    """A client whose async session stamps Cancel-After on prediction creates only (a training must not
    inherit a prediction's run-time cap) and keeps a 429's Retry-After, which ReplicateError would drop."""

    async def add_cancel_after(request: httpx.Request) -> None:
        if cancel_after and request.method == "POST" and _PREDICTION_CREATE_PATH.search(request.url.path):
            request.headers["Cancel-After"] = cancel_after

    async def raise_throttled(response: httpx.Response) -> None:
        if response.status_code == 429:
            await response.aread()
            raise _throttled(response)

    # `transport` and the async hooks serve the async session only; this provider never uses the sync one.
    return replicate.Client(
        api_token=api_token,
        base_url=base_url,
        timeout=httpx.Timeout(request_timeout_seconds, connect=min(request_timeout_seconds, 10.0)),
        transport=transport,
        event_hooks={"request": [add_cancel_after], "response": [raise_throttled]},
    )


def _throttled(response: httpx.Response) -> ProviderError:
    try:
        detail = str(response.json().get("detail") or "")
    except ValueError:
        detail = ""
    retry_after = retry_after_seconds(response.headers.get("retry-after"), detail)
    return ProviderError(f"Replicate throttled {response.request.method} {response.url.path}: {detail}",
                         retry_after=retry_after)


def retry_after_seconds(header: str | None, detail: str = "") -> float | None:
    """Seconds to wait, from a Retry-After header (seconds or HTTP date) or else the 429 body's prose."""
    if header:
        header = header.strip()
        with suppress(ValueError):
            return max(0.0, float(header))
        with suppress(TypeError, ValueError):
            return max(0.0, email.utils.parsedate_to_datetime(header).timestamp() - time.time())
    match = _THROTTLE_DETAIL.search(detail)
    return float(match.group(1)) if match else None


@contextmanager
def translated_errors(action: str, *, rejects_input: bool = False) -> Iterator[None]:
    """ReplicateError/httpx/pydantic failures -> ProviderError, or ContentRejected for refused input."""
    try:
        yield
    except (ProviderError, ContentRejected, ProviderAccountError):
        raise
    except ReplicateError as exc:
        message = f"{action}: HTTP {exc.status} {exc.title or ''} {exc.detail or ''}".rstrip()
        if exc.status in _ACCOUNT_PROBLEMS:
            raise ProviderAccountError(f"Replicate refused our account ({message}): "
                                       f"{_ACCOUNT_PROBLEMS[exc.status]}") from exc
        if rejects_input and exc.status in (400, 422):
            raise ContentRejected(message) from exc
        raise ProviderError(message) from exc
    except (httpx.TimeoutException, TimeoutError) as exc:
        raise ProviderError(f"{action}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise ProviderError(f"{action}: connection failed ({type(exc).__name__}: {exc})") from exc
    except pydantic_v1.ValidationError as exc:
        raise ProviderError(f"{action}: unexpected response shape ({exc})") from exc


def create_outcome_unknown(exc: BaseException) -> bool:
    """True when a create may have happened although we got no usable answer: the job may exist and be billed.
    A 4xx (429 included) is a definite "not created"."""
    if isinstance(exc, ReplicateError):
        return exc.status is None or exc.status >= 500
    return isinstance(exc, (httpx.TransportError, TimeoutError, pydantic_v1.ValidationError))


async def within(seconds: float, call: Awaitable[T]) -> T:
    """The client sends prediction creates and file uploads with httpx's timeout switched off (timeout=None
    unless `wait` is used): without this bound a stalled connection would hang the call for ever."""
    async with asyncio.timeout(seconds):
        return await call


class JobReader:
    def __init__(self, client: replicate.Client) -> None:
        self._client = client

    async def get(self, kind: JobKind, job_id: str) -> JobSnapshot | None:
        """None when the API has no such job (404)."""
        with translated_errors(f"get {kind} {job_id}"):
            try:
                return JobSnapshot.from_json(await self._get_json(f"/v1/{kind}s/{job_id}"))
            except ReplicateError as exc:
                if exc.status == 404:
                    return None
                raise

    async def find_recent(
        self, kind: JobKind, matches: Callable[[JobSnapshot], bool], *, max_pages: int
    ) -> JobSnapshot | None:
        """The newest reusable job among the most recent `max_pages` pages that `matches` accepts."""
        async for page in self.pages(kind, max_pages=max_pages):
            for job in page:
                if job.is_reusable and matches(job):
                    return job
        return None

    async def pages(self, kind: JobKind, *, max_pages: int) -> AsyncIterator[list[JobSnapshot]]:
        """The account's jobs of one kind, newest first, a page (up to 100) at a time."""
        path: str | None = f"/v1/{kind}s"
        for _ in range(max_pages):
            if path is None:
                return
            with translated_errors(f"list {kind}s"):
                page = await self._get_json(path)
            yield [JobSnapshot.from_json(item) for item in page.get("results") or []]
            path = page.get("next")

    async def cancel(self, kind: JobKind, job_id: str) -> None:
        """Best effort: we are about to raise anyway, and Cancel-After backs this up for predictions."""
        namespace = self._client.predictions if kind == "prediction" else self._client.trainings
        try:
            # A ValidationError means the cancel happened and only the reply is odd.
            with translated_errors(f"cancel {kind} {job_id}"), suppress(pydantic_v1.ValidationError):
                await namespace.async_cancel(job_id)
        except ProviderError as exc:
            log.warning("could not cancel %s %s: %s", kind, job_id, exc)

    async def _get_json(self, path: str) -> dict[str, Any]:
        response = await self._client._async_request("GET", path)  # noqa: SLF001 - see the module docstring
        return response.json()


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    with suppress(ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None
