"""Logging for the API and the worker: human-readable text by default (`make run`), JSON lines with
`CALENDARY_LOG_FORMAT=json` (production: one object per line, fields a log pipeline can index).

Every line carries its context when there is one: the request id (API lines), the workflow and job id (API lines
of a request about a generation, activity lines), the activity and its attempt (activity lines). Messages are
never given tokens or secrets; the access line's query string has `token=` redacted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Literal

from pythonjsonlogger.json import JsonFormatter
from temporalio import activity

CONTEXT_FIELDS = ("request_id", "workflow_id", "job_id", "activity", "attempt")
ACCESS_LOGGER = "calendary.access"  # one structured line per request (JSON mode; uvicorn's own line in text mode)

# A dict, not values: code deeper in the request (a dependency that loads the job) adds to the same dict the
# middleware's access line reads, whatever context copies lie between them.
_context: ContextVar[dict[str, object] | None] = ContextVar("calendary_log_context", default=None)


@contextmanager
def log_context(**values: object) -> Iterator[dict[str, object]]:
    fields = {**(_context.get() or {}), **values}
    token = _context.set(fields)
    try:
        yield fields
    finally:
        _context.reset(token)


def bind(**values: object) -> None:
    """Add fields to the current context (a no-op outside one)."""
    fields = _context.get()
    if fields is not None:
        fields.update(values)


def job_id_of(workflow_id: str) -> int | None:
    """Workflow ids are `{prefix}-{job_id}` (contracts.vocabulary.workflow_id_for)."""
    tail = workflow_id.rpartition("-")[2]
    return int(tail) if tail.isdigit() else None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(_context.get() or {})
        if activity.in_activity():
            info = activity.info()
            fields.update(workflow_id=info.workflow_id, job_id=job_id_of(info.workflow_id or ""),
                          activity=info.activity_type, attempt=info.attempt)
        for name, value in fields.items():
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name))
        line = super().format(record)
        return f"{line} [{context}]" if context else line


class _Handler(logging.StreamHandler):
    """Ours, so configuring again replaces it instead of adding a second."""


def configure_logging(log_format: Literal["text", "json"] = "text", level: str = "INFO",
                      stream: IO[str] | None = None) -> logging.Handler:
    handler = _Handler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                      rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
        if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if log_format == "json":
        # uvicorn's lines join the same stream as JSON; its access line gives way to ours (route, ids, duration).
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
        logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
        logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    else:
        logging.getLogger(ACCESS_LOGGER).setLevel(logging.WARNING)  # uvicorn prints its own access line
    return handler
