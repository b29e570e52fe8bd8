"""The fake Replicate's erasure endpoints, as the hosted HTTP API has them (the `replicate` client has no model or
version delete): list a model's versions, delete a version (202: queued, "might take a few minutes"), delete a model
(only private, only without versions), list and delete files."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from testkit.fake_replicate.state import FakeModel, iso

if TYPE_CHECKING:
    from testkit.fake_replicate.server import FakeReplicate


@dataclass
class ErasureState:
    """What was deleted, and version deletions still "being processed" (the model's delete is refused meanwhile)."""

    version_deletion_seconds: float = 0.0
    deleting_versions: dict[tuple[str, str], float] = field(default_factory=dict)  # (model, version) → done at
    deleted_versions: list[str] = field(default_factory=list)
    deleted_models: list[str] = field(default_factory=list)

    def pending(self, model: FakeModel) -> bool:
        now = time.time()
        return any(key == model.key and until > now for (key, _), until in self.deleting_versions.items())


def add_erasure_routes(api: APIRouter, fake: FakeReplicate, problem: type[Exception]) -> None:
    state, erasure = fake.state, fake.state.erasure

    def paged(items: list[dict[str, Any]], request: Request, path: str) -> dict[str, Any]:
        offset = int(request.query_params.get("cursor", "0"))
        end = offset + state.page_size
        return {"results": items[offset:end],
                "next": f"{fake.base_url}/v1/{path}?cursor={end}" if end < len(items) else None, "previous": None}

    def model_of(owner: str, name: str, *, to_delete: bool) -> FakeModel:
        model = state.models.get(f"{owner}/{name}")
        if model is None:
            raise problem(404, "Not found", f"The model {owner}/{name} does not exist")
        if to_delete and model.visibility != "private":
            raise problem(403, "Forbidden", "You can only delete versions and models of private models")
        return model

    @api.get("/models/{owner}/{name}/versions")
    async def list_versions(owner: str, name: str, request: Request) -> dict[str, Any]:
        model = model_of(owner, name, to_delete=False)
        versions: list[dict[str, Any]] = [
            {"id": version_id, "created_at": iso(created_at), "cog_version": "0.9.4", "openapi_schema": {}}
            for version_id, created_at in reversed(model.versions)]  # newest first
        return paged(versions, request, f"models/{owner}/{name}/versions")

    @api.delete("/models/{owner}/{name}/versions/{version_id}")
    async def delete_version(owner: str, name: str, version_id: str) -> JSONResponse:
        model = model_of(owner, name, to_delete=True)
        with state.lock:
            kept = [(vid, created) for vid, created in model.versions if vid != version_id]
            if len(kept) == len(model.versions):
                raise problem(404, "Not found", f"No version {version_id} of {owner}/{name}")
            model.versions = kept
            erasure.deleting_versions[(model.key, version_id)] = time.time() + erasure.version_deletion_seconds
            erasure.deleted_versions.append(f"{model.key}:{version_id}")
        return JSONResponse({}, status_code=202)

    @api.delete("/models/{owner}/{name}")
    async def delete_model(owner: str, name: str) -> Response:
        model = model_of(owner, name, to_delete=True)
        with state.lock:
            if model.versions or erasure.pending(model):
                raise problem(400, "Model has versions", "You can only delete models that have no versions")
            state.models.pop(model.key, None)
            erasure.deleted_models.append(model.key)
        return Response(status_code=204)

    @api.get("/files")
    async def list_files(request: Request) -> dict[str, Any]:
        with state.lock:
            files = sorted(state.files.values(), key=lambda stored: stored.created_at, reverse=True)
        return paged([state.render_file(stored) for stored in files], request, "files")

    @api.delete("/files/{file_id}")
    async def delete_file(file_id: str) -> Response:
        with state.lock:
            if state.files.pop(file_id, None) is None:
                raise problem(404, "Not found", f"No file with id {file_id}")
        return Response(status_code=204)
