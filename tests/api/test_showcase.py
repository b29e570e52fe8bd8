"""What a visitor sees without an account: the themes with prices and the sample calendar's pages."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from services.showcase import SHOWCASE_PAGE_PX


async def test_a_visitor_sees_the_themes_and_the_sample_calendar(app_client: httpx.AsyncClient, seeded: list) -> None:
    themes = await app_client.get("/api/templates")
    assert themes.status_code == 200 and [t["theme"] for t in themes.json()] == [t.theme for t in seeded]
    assert all(t["price"] > 0 for t in themes.json())

    for locale in ("uk", "en"):
        cover = await app_client.get(f"/api/showcase/{locale}/pages/0")
        assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
        assert "public" in cover.headers["cache-control"]
        width, height = Image.open(io.BytesIO(cover.content)).size
        assert height == SHOWCASE_PAGE_PX and width < height  # a portrait page
        march = await app_client.get(f"/api/showcase/{locale}/pages/3")
        assert march.status_code == 200 and march.content != cover.content
    # Only the pages asked for were drawn (the landing page shows two of thirteen), each once.
    assert app_client.app.state.showcase.rendered == 4  # type: ignore[attr-defined]
    assert (await app_client.get("/api/showcase/uk/pages/13")).status_code == 422
    assert (await app_client.get("/api/showcase/de/pages/0")).status_code == 422
