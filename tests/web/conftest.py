"""The web page in headless Chromium against the real stack: Temporal dev server, the real worker (local provider,
paced so a person could watch), and the API served by a real uvicorn on 127.0.0.1 — the browser needs a port.

The server runs as a task on the test's own event loop: the Temporal client belongs to the loop that made it.
Debian's Chromium is used (scripts/ensure_chromium.sh installs it); Playwright's own browser download is not.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from imaging.providers.base import ImageProvider
from settings import PROJECT_ROOT, Settings
from testkit.api import served_api, served_over_http
from testkit.browser import CHROMIUM, launched_chromium
from testkit.outbox import wait_for_link_token
from testkit.stack import Stack, build_stack
from tests.conftest import IN_CI

try:  # the browser tests import `expect` from here: a missing package is reported by the `browser` fixture
    from playwright.async_api import async_playwright, expect
except ImportError:  # pragma: no cover - only without the test extras
    async_playwright = expect = None

SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
TIMEZONE = "Europe/Kyiv"  # the customer's, not the server's (UTC): times must be shown in the customer's zone


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    if async_playwright is None:
        _unavailable("the playwright package is missing: pip install -e '.[test]'")
    if not Path(CHROMIUM).exists():
        script = PROJECT_ROOT / "scripts" / "ensure_chromium.sh"
        if os.geteuid() != 0 and not shutil.which("sudo"):
            _unavailable(f"{CHROMIUM} is missing and this user cannot install it: run {script} as root")
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable(f"could not install Chromium: {done.stderr[-2000:]}")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: str) -> AsyncIterator[object]:
    if async_playwright is None:
        _unavailable("the playwright package is missing: pip install -e '.[test]'")
    async with launched_chromium(chromium) as launched:
        yield launched


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class PacedProvider:
    """The local provider, slowed down to a pace a person (and a screenshot) can follow.

    `hold_after(n)` lets n more variants through and keeps the next ones waiting until `release()`: a generation
    then stays in progress, with some variants shown, for as long as a test looks at it.
    """

    def __init__(self, inner: ImageProvider, *, train_seconds: float, variant_seconds: float) -> None:
        self._inner, self.train_seconds, self.variant_seconds = inner, train_seconds, variant_seconds
        self._let_through: int | None = None
        self._released = asyncio.Event()

    def hold_after(self, count: int) -> None:
        self._let_through = count
        self._released.clear()

    def release(self) -> None:
        self._let_through = None
        self._released.set()

    async def train(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        await asyncio.sleep(self.train_seconds)
        return await self._inner.train(*args, **kwargs)

    async def generate(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if self._let_through is not None:
            if self._let_through > 0:
                self._let_through -= 1
            else:
                await self._released.wait()
        await asyncio.sleep(self.variant_seconds)
        return await self._inner.generate(*args, **kwargs)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._inner, name)


class _Cut(Exception):
    pass


@dataclass
class StreamFaults:
    """ASGI middleware around the app: drops chosen live-event connections, the way a flaky network would.

    Connection numbers count requests to `/events` from 1. `cut` connections are ended abruptly (no end of the
    chunked body) after `cut_after_variants` variant events; `refuse` connections are answered 503.
    """

    app: object
    cut: set[int] = field(default_factory=set)
    refuse: set[int] = field(default_factory=set)
    cut_after_variants: int = 3
    connections: int = 0
    log: list[str] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or not scope["path"].endswith("/events"):
            await self.app(scope, receive, send)
            return
        self.connections += 1
        number = self.connections
        if number in self.refuse:
            self.log.append(f"{number}: refused")
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/problem+json")]})
            await send({"type": "http.response.body", "body": b'{"code": "database_unavailable", "status": 503, '
                                                              b'"detail": "try again later"}'})
            return
        if number not in self.cut:
            self.log.append(f"{number}: open")
            await self.app(scope, receive, send)
            return
        seen = 0

        async def cutting_send(message: dict) -> None:
            nonlocal seen
            await send(message)
            if message["type"] == "http.response.body":
                seen += message.get("body", b"").count(b"event: variant")
                if seen >= self.cut_after_variants:
                    raise _Cut

        try:
            await self.app(scope, receive, cutting_send)
            self.log.append(f"{number}: ended")
        except _Cut:
            self.log.append(f"{number}: cut after {seen} variants")  # uvicorn now closes the connection


@pytest.fixture
async def served(database: Settings) -> AsyncIterator[str]:
    """The API alone (no Temporal, no worker) on a real port, for tests of the page's own behaviour."""
    async with served_api(database) as url:
        yield url


@dataclass
class WebStack:
    stack: Stack
    url: str
    faults: StreamFaults
    provider: PacedProvider


@asynccontextmanager
async def web_stack(tmp_path: Path, env: WorkflowEnvironment, **overrides: object) -> AsyncIterator[WebStack]:
    async for stack in build_stack(tmp_path, env, **overrides):
        provider = PacedProvider(stack.deps.provider, train_seconds=1.0, variant_seconds=0.6)
        stack.deps.provider = provider  # the activities read it at call time
        faults = StreamFaults(stack.api.app)  # type: ignore[attr-defined]
        async with served_over_http(faults, timeout_graceful_shutdown=2) as url:
            yield WebStack(stack=stack, url=url, faults=faults, provider=provider)


@dataclass
class PageProblems:
    """What a person would never want to see: uncaught script errors and requests leaving this machine."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@asynccontextmanager
async def open_page(browser, url: str, *, width: int = 1360, height: int = 900,  # noqa: ANN001
                    **options: object) -> AsyncIterator[tuple[object, PageProblems]]:
    """A fresh browser context and page; `options` go to Playwright's new_context (bypass_csp for axe, ...)."""
    context = await browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                        locale="uk-UA", timezone_id=TIMEZONE, **options)
    page = await context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda err: problems.errors.append(str(err)))
    page.on("request", lambda request: None if request.url.startswith((url, "blob:", "data:"))
            else problems.foreign.append(request.url))
    try:
        yield page, problems
    finally:
        await context.close()


async def sign_in_as(page, url: str, headers: dict[str, str]) -> None:  # noqa: ANN001
    """The page signed in with an account made through the API (its bearer token in `headers`)."""
    await page.goto(url + "/")
    await page.evaluate("""(token) => {
        localStorage.setItem('calendary.token', token);
        localStorage.setItem('calendary.user', JSON.stringify({ id: 1, email: 'olena@example.com' }));
    }""", headers["Authorization"].removeprefix("Bearer "))


async def confirm_sign_up(page, url: str, outbox: Path, email: str) -> None:  # noqa: ANN001
    """After signing up on the page: it says to check the e-mail; the e-mailed link, opened in the page, confirms the
    address and signs in (the upload step)."""
    await expect(page.locator("#auth-notice")).to_be_visible()
    await expect(page.locator("#auth-notice")).to_be_focused()
    token = await wait_for_link_token(outbox, email, "verify")
    await page.goto(f"{url}/#/verify/{token}")
    await expect(page).to_have_url(re.compile(r"#/new$"))
