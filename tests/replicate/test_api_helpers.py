"""The small decisions of replicate_api, without a server."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from replicate.exceptions import ReplicateError

from imaging.providers.replicate_api import (
    JobSnapshot,
    create_outcome_unknown,
    retry_after_seconds,
    tag_of,
    with_tag,
)


def test_retry_after_comes_from_the_header_then_the_throttle_message() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None, "Request was throttled. Your rate limit resets in ~30s.") == 30.0
    assert retry_after_seconds("", "something else") is None
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert retry_after_seconds(in_a_minute) == pytest.approx(60, abs=2)


def test_the_tag_rides_on_the_webhook_query_without_disturbing_it() -> None:
    url = with_tag("https://calendary.example/webhooks/replicate?token=s3cret&tag=old", "gen-9-variant-3")

    assert tag_of(url) == "gen-9-variant-3"
    assert "token=s3cret" in url and url.count("tag=") == 1
    assert tag_of(None) is None and tag_of("https://calendary.example/hook") is None


def test_unknown_statuses_are_neither_running_nor_reusable() -> None:
    aborted = JobSnapshot.from_json({"id": "p1", "status": "aborted", "created_at": "2025-06-08T12:06:20.383588891Z"})

    assert not aborted.is_running and not aborted.is_reusable and not aborted.is_content_rejection
    assert aborted.created_at is not None


def test_only_answers_that_prove_nothing_was_created_count_as_known() -> None:
    assert create_outcome_unknown(httpx.ReadTimeout("slow"))
    assert create_outcome_unknown(httpx.RemoteProtocolError("dropped"))
    assert create_outcome_unknown(TimeoutError())
    assert create_outcome_unknown(ReplicateError(status=502))
    assert not create_outcome_unknown(ReplicateError(status=422))
    assert not create_outcome_unknown(ReplicateError(status=429))
