"""Live generation events (server-sent events)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/calendars/generate", tags=["generations"])
