"""Request bodies are capped before they are read: 413 `request_too_large`, and nothing of the body kept.

The cap depends on the route: a photo upload (all its files together) `max_upload_request_bytes`, a provider
webhook `max_webhook_bytes` (its signature is checked only once the body is in memory), anything else — JSON —
`max_json_bytes`. A declared `Content-Length` over the cap is refused before a byte is read; a body without one
(chunked) is counted as it arrives and refused the moment it passes the cap: the route sees the client as gone, and
its answer is replaced by the 413. The per-file cap (`max_upload_bytes`) is the photo route's own.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from api.problems import REQUEST_TOO_LARGE
from settings import Settings

UPLOAD_PATH = "/api/photos"
WEBHOOK_PREFIX = "/api/webhooks/"


def body_limit(settings: Settings, method: str, path: str) -> int:
    if method == "POST" and path.rstrip("/") == UPLOAD_PATH:
        return settings.max_upload_request_bytes
    if path.startswith(WEBHOOK_PREFIX):
        return settings.max_webhook_bytes
    return settings.max_json_bytes


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


class BodyLimits:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.settings, scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # the route stops reading: to it, the client went away
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the route's answer to a body it never got whole: the 413 replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        problem = REQUEST_TOO_LARGE.body(f"the request body is larger than the {limit} bytes this route accepts",
                                         params={"limit_bytes": limit})
        await problem_response(problem, {"Connection": "close"})(scope, receive, send)
