"""Limits and counts the client needs, so the web page copies none of the server's settings."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SettingsDep
from api.schemas import ClientConfig

router = APIRouter(prefix="/api/config", tags=["config"])


@router.get("", summary="Limits and counts the client needs")
async def client_config(settings: SettingsDep) -> ClientConfig:
    return ClientConfig(
        variant_count=settings.variant_count, preview_variant_count=settings.preview_variant_count,
        max_photos_per_generation=settings.max_photos_per_generation, max_upload_bytes=settings.max_upload_bytes,
        min_short_side=settings.min_short_side, max_regenerations=settings.max_regenerations,
        selection_timeout_seconds=int(settings.selection_timeout.total_seconds()),
        accepted_types=["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"])
