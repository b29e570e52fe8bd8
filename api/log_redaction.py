"""Keep credentials out of access logs: the live-events route takes a `?ticket=` (EventSource sends no headers), and
an old page may still send `?token=`."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_QUERY = re.compile(r"(\b(?:token|ticket)=)[^&\s\"]+")


def redact_tokens(text: str) -> str:
    return _TOKEN_IN_QUERY.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_tokens_in_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
