"""Fault injection for the fake Replicate, as an ASGI middleware in front of the routes.

Faults are planned per route and consumed in order by the requests that hit that route, so a test states
exactly which request misbehaves ("the 1st and 4th prediction creates lose their response"). A `None` in a
plan lets one request through untouched.

Rejections (5xx, 429) happen *before* the route runs: nothing is created. Lost responses happen *after*: the
job exists and is billed, but the client never learns its id — either the connection is closed mid-response
("drop") or the response is held past the client's read timeout ("delay").
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["status", "throttle", "drop_response", "delay_response"]

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/predictions$"), "create_prediction"),
    ("POST", re.compile(r"^/v1/models/[^/]+/[^/]+/predictions$"), "create_prediction"),
    ("GET", re.compile(r"^/v1/predictions$"), "list_predictions"),
    ("GET", re.compile(r"^/v1/predictions/[^/]+$"), "get_prediction"),
    ("POST", re.compile(r"^/v1/predictions/[^/]+/cancel$"), "cancel_prediction"),
    ("POST", re.compile(r"^/v1/models/[^/]+/[^/]+/versions/[^/]+/trainings$"), "create_training"),
    ("GET", re.compile(r"^/v1/trainings$"), "list_trainings"),
    ("GET", re.compile(r"^/v1/trainings/[^/]+$"), "get_training"),
    ("POST", re.compile(r"^/v1/trainings/[^/]+/cancel$"), "cancel_training"),
    ("POST", re.compile(r"^/v1/files$"), "upload_file"),
    ("POST", re.compile(r"^/v1/models$"), "create_model"),
    ("GET", re.compile(r"^/v1/models/[^/]+/[^/]+$"), "get_model"),
    ("GET", re.compile(r"^/files/"), "download_output"),
    ("GET", re.compile(r"^/v1/files$"), "list_files"),
    ("DELETE", re.compile(r"^/v1/files/[^/]+$"), "delete_file"),
    ("GET", re.compile(r"^/v1/models/[^/]+/[^/]+/versions$"), "list_versions"),
    ("DELETE", re.compile(r"^/v1/models/[^/]+/[^/]+/versions/[^/]+$"), "delete_version"),
    ("DELETE", re.compile(r"^/v1/models/[^/]+/[^/]+$"), "delete_model"),
]


# What the hosted API answers with each status (its problem+json bodies); other statuses read as a server error.
_PROBLEMS = {
    401: ("Unauthenticated", "You did not pass a valid authentication token"),
    402: ("Insufficient credit", ("You have insufficient credit to run this model. Go to "
                                  "https://replicate.com/account/billing#billing to purchase credit.")),
    403: ("Forbidden", "You do not have permission to perform this action."),
    500: ("Internal Server Error", "Injected failure: the server had a bad day."),
}


def route_of(method: str, path: str) -> str | None:
    for route_method, pattern, name in _ROUTES:
        if method == route_method and pattern.match(path):
            return name
    return None


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 500
    retry_after: int = 1
    delay_seconds: float = 0.0

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status=status)

    @classmethod
    def throttled(cls, retry_after: int = 1) -> Fault:
        return cls("throttle", status=429, retry_after=retry_after)

    @classmethod
    def dropped_response(cls) -> Fault:
        return cls("drop_response")

    @classmethod
    def delayed_response(cls, seconds: float) -> Fault:
        return cls("delay_response", delay_seconds=seconds)


class ResponseDropped(Exception):
    """Raised mid-response on purpose: uvicorn then closes the connection without finishing the body."""


class _HideDroppedResponses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ResponseDropped))


_DROP_FILTER = _HideDroppedResponses()


def silence_dropped_responses() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _DROP_FILTER not in logger.filters:
        logger.addFilter(_DROP_FILTER)


_CREATES = frozenset({"create_prediction", "create_training"})
_NOT_API_CALLS = frozenset({"download_output"})  # output files are served by a CDN, outside the API's limits


class RateBudget:
    """Replicate's per-account limits: `creates` prediction and training creates and `others` other API calls per
    `window_seconds` (sliding). A request past its budget is refused with 429 and a Retry-After saying when the
    oldest request of the window leaves it, and is not counted (the hosted API's own accounting is not
    documented; this is the conservative reading). None switches a budget off."""

    def __init__(self, creates: int | None = 600, others: int | None = 3000, window_seconds: float = 60.0) -> None:
        self.creates, self.others, self.window_seconds = creates, others, window_seconds
        self._seen: dict[bool, deque[float]] = {True: deque(), False: deque()}

    def refusal(self, route: str, now: float) -> int | None:
        """Seconds to wait when `route` is over budget now (the request is refused), else None (it is counted)."""
        if route in _NOT_API_CALLS:
            return None
        is_create = route in _CREATES
        limit = self.creates if is_create else self.others
        seen = self._seen[is_create]
        while seen and seen[0] <= now - self.window_seconds:
            seen.popleft()
        if limit is not None and len(seen) >= limit:
            return max(1, math.ceil(seen[0] + self.window_seconds - now))
        seen.append(now)
        return None


class FaultPlan:
    """Planned faults per route, plus a latency added to every API request, the account's rate budget, and how many
    requests each route received (faulted ones too: a refused request still counts against an account's rate limit).
    Thread-safe: tests plan, the server thread consumes."""

    def __init__(self) -> None:
        self.latency_seconds = 0.0
        self.budget = RateBudget()
        self.throttled: Counter[str] = Counter()  # requests refused by the budget, per route
        self.injected: Counter[tuple[str, FaultKind]] = Counter()
        self._received: Counter[str] = Counter()
        self._planned: dict[str, deque[Fault | None]] = {}
        self._lock = threading.Lock()

    def plan(self, route: str, *faults: Fault | None) -> None:
        with self._lock:
            self._planned.setdefault(route, deque()).extend(faults)

    def fail_next(self, route: str, times: int = 1, status: int = 500) -> None:
        self.plan(route, *[Fault.server_error(status)] * times)

    def throttle_next(self, route: str, times: int = 1, retry_after: int = 1) -> None:
        self.plan(route, *[Fault.throttled(retry_after)] * times)

    def lose_next_responses(self, route: str, times: int = 1, *, delay_seconds: float | None = None) -> None:
        fault = Fault.dropped_response() if delay_seconds is None else Fault.delayed_response(delay_seconds)
        self.plan(route, *[fault] * times)

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()

    def take(self, route: str | None) -> Fault | None:
        if route is None:
            return None
        with self._lock:
            self._received[route] += 1
            planned = self._planned.get(route)
            fault = planned.popleft() if planned else None
            if fault is not None:
                self.injected[(route, fault.kind)] += 1
                return fault
            retry_after = self.budget.refusal(route, time.monotonic())
            if retry_after is not None:
                self.throttled[route] += 1
                return Fault.throttled(retry_after)
            return None

    def received(self) -> Counter[str]:
        with self._lock:
            return Counter(self._received)

    def pending(self, route: str) -> int:
        with self._lock:
            return sum(1 for fault in self._planned.get(route, ()) if fault is not None)


class FaultMiddleware:
    def __init__(self, app: Any, faults: FaultPlan) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_of(scope["method"], scope["path"])
        if route is not None and self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        fault = self.faults.take(route)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "status":
            title, detail = _PROBLEMS.get(fault.status, _PROBLEMS[500])
            await _send_json(send, fault.status, {"title": title, "status": fault.status, "detail": detail})
        elif fault.kind == "throttle":
            detail = f"Request was throttled. Your rate limit resets in ~{fault.retry_after}s."
            await _send_json(send, 429, {"detail": detail}, ((b"retry-after", str(fault.retry_after).encode()),))
        elif fault.kind == "drop_response":
            await self.app(scope, receive, _dropping(send))
        else:
            await self.app(scope, receive, _delaying(send, fault.delay_seconds))


def _dropping(send: Any) -> Any:
    async def send_headers_then_drop(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            raise ResponseDropped()
        await send(message)

    return send_headers_then_drop


def _delaying(send: Any, seconds: float) -> Any:
    async def send_late(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)

    return send_late


async def _send_json(
    send: Any, status: int, body: dict[str, Any], extra_headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra_headers]})
    await send({"type": "http.response.body", "body": payload})
