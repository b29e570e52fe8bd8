from __future__ import annotations

import logging

from api.log_redaction import RedactTokens
from testkit.api import register


async def test_client_config_reports_the_servers_limits(app_client) -> None:  # noqa: ANN001
    config = (await app_client.get("/api/config")).json()
    settings = app_client.app.state.settings
    assert config["variant_count"] == settings.variant_count == 24
    assert config["preview_variant_count"] == 6 and config["max_photos_per_generation"] == 30
    assert config["selection_timeout_seconds"] == 7 * 24 * 3600


async def test_templates_quote_the_preview_price(app_client, seeded) -> None:  # noqa: ANN001
    headers = await register(app_client)
    family = (await app_client.get("/api/templates", headers=headers)).json()[0]
    assert family["price"] == 799 and family["preview_price"] == 200  # 799 × 6/24 = 199.75 → 200


async def test_docs_are_served_offline(app_client) -> None:  # noqa: ANN001
    redirect = await app_client.get("/docs")
    assert redirect.status_code == 307 and redirect.headers["location"] == "/api/docs"
    page = await app_client.get("/api/docs")
    assert page.status_code == 200 and "cdn" not in page.text.lower()


def test_tokens_never_reach_the_access_log() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1", "GET", "/api/calendars/generate/1/events?token=eyJsecret&x=1", "1.1", 200),
                               None)
    RedactTokens().filter(record)
    assert "eyJsecret" not in record.getMessage() and "token=[redacted]&x=1" in record.getMessage()
