"""Provider webhooks (Replicate)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
