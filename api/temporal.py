"""The API's one Temporal client, made in the lifespan; reconnects lazily if Temporal was down at start."""

from __future__ import annotations

import asyncio
import logging

from temporalio.client import Client

from settings import Settings
from temporal_client import connect

log = logging.getLogger(__name__)


class TemporalConnection:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def get(self) -> Client | None:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(connect(self._settings), timeout=5)
                except Exception as err:  # noqa: BLE001 — any connection failure means "unavailable", told as 503
                    log.warning("Temporal at %s unreachable: %s", self._settings.temporal_address, err)
        return self._client
