"""Per request: an id (the caller's `X-Request-ID` if sane, else a new one; echoed in the response) bound to every
log line the request writes, the request's series (ops.metrics), and, in JSON logging, one access line.

Series and access lines name the route *template* (`/api/calendars/{calendar_id}`), never the raw path, so ids
and probes of unknown URLs cannot grow the number of series.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.log_redaction import redact_tokens
from ops.logs import ACCESS_LOGGER, log_context
from ops.metrics import HTTP_LATENCY, HTTP_REQUESTS

UNMATCHED = "unmatched"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

access_log = logging.getLogger(ACCESS_LOGGER)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _SANE_ID.match(text):
                return text
    return uuid.uuid4().hex


class RequestTelemetry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 500  # what the client gets when the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        with log_context(request_id=request_id) as fields:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = getattr(scope.get("route"), "path", None) or UNMATCHED  # the router notes the match in scope
                method, elapsed = scope["method"], time.perf_counter() - started
                HTTP_REQUESTS.labels(route, method, str(status)).inc()
                HTTP_LATENCY.labels(route, method).observe(elapsed)
                if access_log.isEnabledFor(logging.INFO):
                    query = scope.get("query_string", b"").decode("latin-1")
                    path = scope["path"] + (f"?{redact_tokens(query)}" if query else "")
                    access_log.info("%s %s %s", method, path, status, extra={
                        "route": route, "method": method, "status": status, "duration_ms": round(elapsed * 1000, 1),
                        **{k: v for k, v in fields.items() if k != "request_id"}})
