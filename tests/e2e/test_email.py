"""E-mails on the real stack, delivered to a real SMTP server (aiosmtpd, in-process): who gets what, in which
language, with which links; the reminder honours the opt-out; with no SMTP host, messages land in the outbox."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio.testing import WorkflowEnvironment

from testkit.api import register, upload_photos
from testkit.journey import pick_twelve, wait_for_status
from testkit.outbox import link_token
from testkit.stack import Stack, build_stack


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, count: int, seconds: float = 60) -> list[EmailMessage]:
        async with asyncio.timeout(seconds):
            while len(self.to(address)) < count:
                await asyncio.sleep(0.1)
        return self.to(address)

    async def take_confirmation(self, address: str) -> str:
        """The token of the sign-up confirmation link sent to `address`; the message is taken out of the inbox, so
        the tests count only the mails that follow."""
        [message] = await self.wait_for(address, 1)
        self.messages.remove(message)
        token = link_token(message, "verify")
        assert token is not None, message
        return token


@pytest.fixture
async def inbox() -> AsyncIterator[tuple[Inbox, int]]:
    handler = Inbox()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), "127.0.0.1", 0)
    yield handler, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.fixture
async def mailing_stack(tmp_path: Path, dev_server: WorkflowEnvironment,
                        inbox: tuple[Inbox, int]) -> AsyncIterator[Stack]:
    # A 6-second window with the reminder 4 seconds before its end: the whole story in seconds.
    async for built in build_stack(tmp_path, dev_server, smtp_host="127.0.0.1", smtp_port=inbox[1], smtp_tls="none",
                                   public_url="https://calendary.example", selection_timeout=6,
                                   expiry_reminder_before=4):
        yield built


async def _signed_up(api: httpx.AsyncClient, mails: Inbox, email_address: str) -> dict[str, str]:
    """Signed up through the SMTP server: register, then confirm with the link it received."""
    registered = await api.post("/api/auth/register", json={"email": email_address, "password": "long enough pw"})
    assert registered.status_code == 202, registered.text
    verified = await api.post("/api/auth/verify", json={"token": await mails.take_confirmation(email_address)})
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['access_token']}"}


async def _generate(stack: Stack, email_address: str, mails: Inbox | None = None) -> tuple[dict[str, str], int]:
    """A customer's preview generation; signed up through `mails` where the stack sends e-mails by SMTP."""
    api = stack.api
    headers = await _signed_up(api, mails, email_address) if mails else await register(api, email_address)
    photos = await upload_photos(api, headers, count=3)
    template = next(t for t in (await api.get("/api/templates", headers=headers)).json() if t["theme"] == "vintage")
    started = await api.post("/api/calendars/generate", headers=headers, json={
        "template_id": template["id"], "photo_ids": [p["id"] for p in photos], "preview": True, "year": 2027})
    assert started.status_code == 202, started.text
    return headers, started.json()["job_id"]


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


async def test_ready_and_calendar_mails_in_the_customers_language(mailing_stack: Stack,
                                                                  inbox: tuple[Inbox, int]) -> None:
    mails, _ = inbox
    api = mailing_stack.api
    async with mailing_stack.worker():
        headers, job = await _generate(mailing_stack, "anna@example.com", mails)
        account = await api.patch("/api/me", headers=headers, json={"language": "en"})
        assert account.status_code == 200 and account.json()["language"] == "en"
        variants = (await wait_for_status(api, headers, job, "ready_for_selection"))[-1]["variants"]
        chosen = await api.post(f"/api/calendars/generate/{job}/select", headers=headers,
                                json={"selections": pick_twelve(variants)})
        assert chosen.status_code in (200, 202), chosen.text
        status = (await wait_for_status(api, headers, job, "completed"))[-1]
        ready, done = await mails.wait_for("anna@example.com", 2)

    assert ready["Subject"] == "Your 6 variants are ready"
    assert f"https://calendary.example/#/job/{job}" in _text(ready)
    html = ready.get_body(("html",))
    assert html is not None and f'href="https://calendary.example/#/job/{job}"' in html.get_content()
    assert done["Subject"] == "Your calendar is ready"
    assert f"https://calendary.example/#/calendar/{status['generated_calendar_id']}" in _text(done)
    assert len(mails.to("anna@example.com")) == 2  # no reminder: chosen before it was due


async def test_the_reminder_goes_to_those_who_have_not_opted_out(mailing_stack: Stack,
                                                                 inbox: tuple[Inbox, int]) -> None:
    mails, _ = inbox
    api = mailing_stack.api
    async with mailing_stack.worker():
        keen, keen_job = await _generate(mailing_stack, "olena@example.com", mails)
        quiet, quiet_job = await _generate(mailing_stack, "petro@example.com", mails)
        opted_out = await api.patch("/api/me", headers=quiet, json={"email_notifications": False})
        assert opted_out.json()["email_notifications"] is False
        await wait_for_status(api, keen, keen_job, "expired", seconds=90)
        await wait_for_status(api, quiet, quiet_job, "expired", seconds=90)
        reminded = await mails.wait_for("olena@example.com", 2)

    assert reminded[0]["Subject"] == "Ваші 6 варіантів готові"
    assert reminded[1]["Subject"].startswith("Нагадування: оберіть варіанти до ")
    assert [m["Subject"] for m in mails.to("petro@example.com")] == ["Ваші 6 варіантів готові"]


async def test_without_an_smtp_host_mails_are_written_to_the_outbox(stack: Stack) -> None:
    async with stack.worker():
        headers, job = await _generate(stack, "dev@example.com")
        await wait_for_status(stack.api, headers, job, "ready_for_selection")
        async with asyncio.timeout(30):
            while not list(stack.settings.outbox_dir.glob("*.eml")):
                await asyncio.sleep(0.1)
    (written,) = stack.settings.outbox_dir.glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=default)
    assert message["To"] == "dev@example.com" and message["Subject"] == "Ваші 6 варіантів готові"


async def test_account_updates_are_checked(stack: Stack) -> None:
    headers = await register(stack.api, "checks@example.com")
    assert (await stack.api.get("/api/me", headers=headers)).json()["email_notifications"] is True
    for body, field in [({"language": "de"}, "language"), ({"email_notifications": "nope"}, "email_notifications"),
                        ({"password": "x"}, "password")]:
        answer = await stack.api.patch("/api/me", headers=headers, json=body)
        assert answer.status_code == 422 and field in answer.text, answer.text
    assert (await stack.api.patch("/api/me", json={"language": "en"})).status_code == 401
