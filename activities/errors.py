"""Translate failures into what the workflow's retry policies and logic understand (contracts.FailureType)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.exceptions import ApplicationError

from contracts.activities import FailureType
from imaging.providers.base import ContentRejected, ProviderAccountError, ProviderError, ProviderJobFailed


def invalid_input(message: str) -> ApplicationError:
    """Bad input no retry can fix (missing template, someone else's photo)."""
    return ApplicationError(message, type=FailureType.invalid_input, non_retryable=True)


@asynccontextmanager
async def provider_failures() -> AsyncIterator[None]:
    """Only the provider's own verdicts are final; its outages are retried like any other (resuming the same job)."""
    try:
        yield
    except ContentRejected as err:
        raise ApplicationError(str(err), type=FailureType.content_rejected, non_retryable=True) from err
    except ProviderJobFailed as err:
        raise ApplicationError(str(err), type=FailureType.provider_job_failed, non_retryable=True) from err
    except ProviderAccountError as err:
        raise ApplicationError(str(err), type=FailureType.provider_account, non_retryable=True) from err
    except ProviderError as err:
        delay = timedelta(seconds=err.retry_after) if err.retry_after else None
        raise ApplicationError(str(err), type=FailureType.provider_unavailable, next_retry_delay=delay) from err
