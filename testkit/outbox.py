"""The e-mails a test's API wrote to its outbox folder (no SMTP host), and the links in them."""

from __future__ import annotations

import asyncio
import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path


def outbox(folder: Path) -> list[tuple[Path, EmailMessage]]:
    """Every message in `folder`, oldest first (the file names start with the time written)."""
    if not folder.exists():
        return []
    return [(path, email.message_from_bytes(path.read_bytes(), policy=default_policy))
            for path in sorted(folder.glob("*.eml"))]


def link_token(message: EmailMessage, route: str) -> str | None:
    """The token of the message's `#/<route>/<token>` link, if it has one."""
    body = message.get_body(("plain",))
    found = re.search(rf"/#/{route}/(\S+)", body.get_content()) if body is not None else None
    return found.group(1) if found else None


def take_link_token(folder: Path, to: str, route: str) -> str | None:
    """The token of the newest `#/<route>/` link e-mailed to `to`, its message deleted (read, as a person would,
    so a test counting the other e-mails counts only those)."""
    for path, message in reversed(outbox(folder)):
        token = link_token(message, route)
        if str(message["To"]).lower() == to.lower() and token is not None:
            path.unlink()
            return token
    return None


async def wait_for_link_token(folder: Path, to: str, route: str, seconds: float = 30) -> str:
    """`take_link_token`, waiting for the message: over real HTTP it is written after the answer."""
    async with asyncio.timeout(seconds):
        while (token := take_link_token(folder, to, route)) is None:
            await asyncio.sleep(0.05)
    return token
