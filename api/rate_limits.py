"""Rate limits on the routes an attacker would hammer: login, register, upload, generate.

Each action has one rate (settings `rate_limit_<action>`, the `limits` library's notation), counted separately per
client IP and per account: a guesser on one address is stopped, and so is one spread over many addresses against
one account. One call over either answers 429 `rate_limited` with `Retry-After` (whole seconds until the window
lets the next call through). A moving window: no burst of twice the rate around a window's edge.

The client IP is the connection's peer: behind a reverse proxy, run uvicorn with `--proxy-headers
--forwarded-allow-ips=<the proxy>` so it is the caller's, not the proxy's.
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Literal

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from api.problems import RATE_LIMITED, ApiProblem
from settings import Settings

Action = Literal["login", "register", "upload", "generate", "password_reset"]


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        uri = settings.rate_limit_storage
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri if uri.startswith("async+") else
                                                                    f"async+{uri}"))
        self._rates: dict[Action, RateLimitItem] = {
            "login": parse(settings.rate_limit_login), "register": parse(settings.rate_limit_register),
            "upload": parse(settings.rate_limit_upload), "generate": parse(settings.rate_limit_generate),
            # a reset mails a link: as scarce as registering
            "password_reset": parse(settings.rate_limit_register),
        }

    async def hit(self, action: Action, *, ip: str, account: str) -> None:
        """Counts one call by this IP and by this account; 429 when either is over the rate (nothing counted then
        for the other, so a refused call costs the innocent side nothing)."""
        rate = self._rates[action]
        for key in (f"ip:{ip}", f"account:{account}"):
            if not await self._limiter.test(rate, action, key):
                raise await self._refusal(rate, action, key)
        for key in (f"ip:{ip}", f"account:{account}"):
            await self._limiter.hit(rate, action, key)

    async def _refusal(self, rate: RateLimitItem, action: Action, key: str) -> ApiProblem:
        stats = await self._limiter.get_window_stats(rate, action, key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        return ApiProblem(RATE_LIMITED, f"too many {action.replace('_', ' ')} requests; try again in {wait} s",
                          params={"action": action, "retry_after": wait}, headers={"Retry-After": str(wait)})


class Limiter:
    """The request's view of the rate limits: knows the caller's IP."""

    def __init__(self, limits: RateLimits, ip: str) -> None:
        self._limits, self._ip = limits, ip

    async def hit(self, action: Action, account: str | int) -> None:
        await self._limits.hit(action, ip=self._ip, account=str(account))


def get_limiter(request: Request) -> Limiter:
    return Limiter(request.app.state.rate_limits, request.client.host if request.client else "unknown")


LimiterDep = Annotated[Limiter, Depends(get_limiter)]
