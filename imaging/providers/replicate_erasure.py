"""Erasing one customer's data at Replicate: their trained LoRA versions, the destination model that holds them,
and the files uploaded for them (training archives, img2img photos).

The `replicate` client cannot delete models or versions, so this speaks the HTTP API (v1) directly:

- `GET /v1/models/{owner}/{name}/versions` (paginated `{results, next}`), then
  `DELETE /v1/models/{owner}/{name}/versions/{id}` for each — answered 202: the deletion is queued and "might take a
  few minutes" (only private models, only versions nobody else has run);
- `DELETE /v1/models/{owner}/{name}` — only a private model without versions: refused while the queued version
  deletions are still running, so it is retried until they are done;
- `GET /v1/files` (paginated) and `DELETE /v1/files/{id}` for the customer's uploads, found by the names the provider
  gives them (`{prefix}-u{user}-….zip` for training archives, `photo-{sha256[:16]}.jpg` for a photo).

Every step is idempotent — a 404 means already gone — so a retried run finishes what an interrupted one began.
Deleting a version also deletes its predictions and their outputs at Replicate; trainings cannot be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from imaging.providers.base import ProviderAccountError, ProviderError
from imaging.providers.replicate_settings import ReplicateSettings

_MAX_PAGES = 100  # a runaway `next` chain must not loop forever


@dataclass
class ReplicateErasureReport:
    versions_deleted: int = 0
    model_deleted: bool = False
    files_deleted: list[str] = field(default_factory=list)


def destination_model(settings: ReplicateSettings, user_id: int) -> str:
    """The customer's destination model, as imaging.providers.replicate names it at training."""
    return f"{settings.destination_owner}/{settings.destination_name(user_id)}"


def customer_upload_names(settings: ReplicateSettings, user_id: int, photo_sha256: list[str]) -> tuple[str, set[str]]:
    """The prefix of the customer's training archives and the names of their uploaded photos."""
    return f"{settings.destination_name(user_id)}-", {settings.photo_upload_name(digest) for digest in photo_sha256}


class ReplicateErasure:
    def __init__(self, settings: ReplicateSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._http = httpx.AsyncClient(
            base_url=settings.base_url, transport=transport, timeout=settings.request_timeout_seconds,
            headers={"Authorization": f"Bearer {settings.worker_token()}"})

    async def __aenter__(self) -> ReplicateErasure:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    async def erase_customer(self, user_id: int, photo_sha256: list[str]) -> ReplicateErasureReport:
        report = ReplicateErasureReport()
        model = destination_model(self._settings, user_id)
        for version in await self._list(f"/v1/models/{model}/versions"):
            await self._delete(f"/v1/models/{model}/versions/{version['id']}")
            report.versions_deleted += 1
        archive_prefix, photo_names = customer_upload_names(self._settings, user_id, photo_sha256)
        for upload in await self._list("/v1/files"):
            name = str(upload.get("name") or "")
            if name.startswith(archive_prefix) or name in photo_names:
                await self._delete(f"/v1/files/{upload['id']}")
                report.files_deleted.append(str(upload["id"]))
        # Last: Replicate refuses it while versions remain, and version deletions are queued (202), not done.
        report.model_deleted = await self._delete(f"/v1/models/{model}", pending="its versions are still being "
                                                                                  "deleted")
        return report

    async def _list(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list; a missing parent (404) lists nothing."""
        items: list[dict[str, Any]] = []
        url: str | None = path
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            response = await self._request("GET", url)
            if response.status_code == 404:
                return items
            self._check(response, f"list {path}")
            body = response.json()
            items += body.get("results") or []
            url = body.get("next")
        return items

    async def _delete(self, path: str, *, pending: str | None = None) -> bool:
        """True when this call deleted it, False when it was already gone."""
        response = await self._request("DELETE", path)
        if response.status_code == 404:
            return False
        if pending is not None and response.status_code in (400, 409, 422):
            raise ProviderError(f"DELETE {path} refused for now ({pending}): {_detail(response)}", retry_after=30)
        self._check(response, f"DELETE {path}")
        return True

    async def _request(self, method: str, url: str) -> httpx.Response:
        try:
            return await self._http.request(method, url)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{method} {url} failed: {exc!r}") from exc

    @staticmethod
    def _check(response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 300:
            return
        if status < 500 and status != 429:  # the token, the model's visibility, a version others ran: a person's job
            raise ProviderAccountError(f"{what}: HTTP {status}: {_detail(response)}")
        retry_after = response.headers.get("retry-after")
        raise ProviderError(f"{what}: HTTP {status}: {_detail(response)}",
                            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail") or body.get("title") or body)[:200] if isinstance(body, dict) else str(body)[:200]
