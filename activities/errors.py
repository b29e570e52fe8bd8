"""Translate provider failures into what Temporal's retry policy understands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.exceptions import ApplicationError

from imaging.providers.base import ContentRejected, ProviderError


def invalid_input(message: str) -> ApplicationError:
    """Bad input no retry can fix (missing template, someone else's photo)."""
    return ApplicationError(message, type="InvalidInput", non_retryable=True)


@asynccontextmanager
async def provider_failures() -> AsyncIterator[None]:
    try:
        yield
    except ContentRejected as err:
        raise ApplicationError(str(err), type="ContentRejected", non_retryable=True) from err
    except ProviderError as err:
        delay = timedelta(seconds=err.retry_after) if err.retry_after else None
        raise ApplicationError(str(err), type="ProviderError", next_retry_delay=delay) from err
