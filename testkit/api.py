"""The API in-process (over ASGI, or on a real port), accounts, and photos made on the fly."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from temporalio.client import Client

from api.main import create_app
from ops.http_server import served
from settings import Settings
from testkit.outbox import wait_for_link_token


@asynccontextmanager
async def running_api(settings: Settings, temporal: Client | None = None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, temporal=temporal)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://calendary.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@asynccontextmanager
async def served_over_http(app: Any, **options: Any) -> AsyncIterator[str]:
    """`app` (already started) served by uvicorn on a free 127.0.0.1 port, on this event loop; yields its URL.

    Unlike httpx's ASGITransport, which hands over a response only when the whole ASGI call has returned, a real
    server delivers the response the moment it is sent — what a client can observe before work after the send.
    `options` go to `uvicorn.Config`.
    """
    async with served(app, **options) as url:
        yield url


@asynccontextmanager
async def served_api(settings: Settings) -> AsyncIterator[str]:
    """The API (no Temporal needed) on a free 127.0.0.1 port, for a browser; yields its URL."""
    async with running_api(settings) as api, served_over_http(api.app) as url:  # type: ignore[attr-defined]
        yield url


def photo_bytes(width: int, height: int, *, fmt: str = "JPEG", seed: int = 0) -> bytes:
    """A photo-like picture (gradient, shapes) so image processing has something real to work on."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        shade = int(255 * y / height)
        draw.rectangle([0, y, width, y + 4], fill=((shade + seed * 40) % 256, 120, 255 - shade))
    draw.ellipse([width // 4, height // 4, width * 3 // 4, height * 3 // 4], fill=(230, 190, 160))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


async def register(client: httpx.AsyncClient, email: str = "olena@example.com",
                   password: str = "correct horse battery", *, outbox: Path | None = None) -> dict[str, str]:
    """Sign up as a person does: register, open the confirmation link e-mailed to `outbox` (by default the
    in-process API's own), confirm; answers the signed-in headers."""
    response = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 202, response.text
    folder = outbox or client.app.state.settings.outbox_dir  # type: ignore[attr-defined]
    token = await wait_for_link_token(folder, email, "verify")
    verified = await client.post("/api/auth/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['access_token']}"}


async def upload_photos(client: httpx.AsyncClient, headers: dict[str, str], count: int = 3) -> list[dict]:
    files = [("files", (f"photo{i}.jpg", photo_bytes(1024, 768, seed=i), "image/jpeg")) for i in range(count)]
    response = await client.post("/api/photos", files=files, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def add_job(api: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> int:
    """A generation row of the caller's (no workflow behind it), written straight to the API's database; its id."""
    from db.models import Job
    from db.seed import seed_templates

    me = (await api.get("/api/me", headers=headers)).json()
    async with api.app.state.sessions() as session:  # type: ignore[attr-defined]
        template = (await seed_templates(session))[0]
        job = Job(**{"user_id": me["id"], "template_id": template.id, "photo_ids": [], "variant_count": 24,
                     "year": 2027, **fields})
        session.add(job)
        await session.commit()
        return job.id
