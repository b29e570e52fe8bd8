"""Verification of Replicate's signed webhooks (the Standard Webhooks scheme).

Pure standard library on purpose: the API's webhook route can import it without pulling in the Replicate
client. Replicate signs "{webhook-id}.{webhook-timestamp}.{raw body}" with HMAC-SHA256, keyed with the base64
part of the account's "whsec_..." secret (GET /v1/webhooks/default/secret), and sends one or more
space-separated "v1,<base64 signature>" entries so that keys can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    """The request did not come from Replicate, or not recently: answer 4xx and ignore the body."""


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    *,
    tolerance_seconds: float = 300,
    now: float | None = None,
) -> None:
    """Returns quietly when `body` was signed with `secret` within `tolerance_seconds` of `now`.

    `body` must be the raw request bytes: re-serialised JSON would not match the signature. A malformed
    `secret` is our configuration error, not the sender's, hence ValueError rather than a verification error.
    """
    key = _signing_key(secret)
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not webhook_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if not body:
        raise WebhookVerificationError("empty body")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise WebhookVerificationError(f"webhook-timestamp is not a unix time: {timestamp!r}") from exc
    # Both directions: an old timestamp is a replay, a future one a forged or badly skewed sender.
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        raise WebhookVerificationError(f"webhook-timestamp is {current - sent_at:+.0f}s away from now")

    expected = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for entry in signatures.split():
        scheme, _, encoded = entry.partition(",")
        if scheme != "v1":
            continue
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if hmac.compare_digest(candidate, expected):
            return
    raise WebhookVerificationError("no valid signature")


def _signing_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a Replicate webhook secret starts with {SECRET_PREFIX!r}")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("the webhook secret is not valid base64 after 'whsec_'") from exc
