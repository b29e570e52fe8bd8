"""Operations on the real stack: health and readiness probes, and every documented metric exported after a journey
(the API's /metrics and the worker's endpoint with the Temporal SDK's series), named by every alert and panel."""

from __future__ import annotations

import asyncio
import json
import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

from ops.http_server import served
from ops.worker_endpoint import endpoint_app, temporal_runtime, worker_readiness
from temporal_client import connect
from testkit.journey import pick_twelve, start_generation, wait_for_status
from testkit.stack import Stack
from worker import build_workers

ROOT = Path(__file__).resolve().parent.parent.parent
METRIC_NAME = re.compile(r"\b((?:calendary|temporal)_[a-z0-9_]+)\b")


def documented_metrics() -> set[str]:
    """The backticked names in the tables of docs/operations.md's "Metrics" section."""
    text = (ROOT / "docs" / "operations.md").read_text().partition("\n## Metrics")[2].partition("\n## ")[0]
    return {name for line in text.splitlines() if line.startswith("| `")
            for name in re.findall(r"`((?:calendary|temporal)_[a-z0-9_]+)`", line)}


def exported(*expositions: str) -> tuple[set[str], set[str]]:
    """Family names and sample names (`_total`, `_bucket`...) in Prometheus text."""
    families, samples = set(), set()
    for text in expositions:
        for family in text_string_to_metric_families(text):
            families.add(family.name)
            samples.update(sample.name for sample in family.samples)
    return families, samples


def alert_and_panel_queries() -> list[str]:
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    queries = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "dashboards" / "calendary.json").read_text())
    return queries + [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


async def test_health_and_readiness_answer_for_a_working_stack(stack: Stack) -> None:
    assert (await stack.api.get("/healthz")).json() == {"status": "ok"}
    ready = await stack.api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "temporal": "ok"}


async def test_every_documented_metric_is_exported_after_a_journey(stack: Stack) -> None:
    api = stack.api
    runtime, sdk_metrics_url = temporal_runtime()
    target = stack.env.client.service_client.config.target_host
    client = await connect(stack.settings.model_copy(update={"temporal_address": target}), runtime)
    async with AsyncExitStack() as running:
        workers = build_workers(client, stack.settings, stack.deps)
        for worker in workers:
            await running.enter_async_context(worker)
        endpoint = endpoint_app(worker_readiness(stack.deps.engine, client, workers), sdk_metrics_url)
        worker_url = await running.enter_async_context(served(endpoint))

        headers, started = await start_generation(api, preview=True)
        job = started["job_id"]
        variants = (await wait_for_status(api, headers, job, "ready_for_selection"))[-1]["variants"]
        regenerated = await api.post(f"/api/calendars/generate/{job}/variants/{variants[0]['id']}/regenerate",
                                     headers=headers, json={})
        assert regenerated.status_code == 202, regenerated.text
        async with asyncio.timeout(30):
            while any(v["status"] == "regenerating"
                      for v in (await api.get(f"/api/calendars/generate/{job}/variants", headers=headers)).json()):
                await asyncio.sleep(0.2)
        current = (await api.get(f"/api/calendars/generate/{job}/variants", headers=headers)).json()
        await api.post(f"/api/calendars/generate/{job}/select", headers=headers,
                       json={"selections": pick_twelve(current)})
        calendar = (await wait_for_status(api, headers, job, "completed"))[-1]["generated_calendar_id"]
        for _ in range(2):  # the conversion's end: downloaded once or more, counted once as a calendar
            assert (await api.get(f"/api/calendars/{calendar}/pdf", headers=headers)).status_code == 200

        run = await client.get_workflow_handle(started["workflow_id"]).describe()
        assert re.fullmatch(r"customer \d+: vintage calendar, 6 variants \(preview\)", await run.static_summary() or "")
        async with httpx.AsyncClient(base_url=worker_url) as scraper:
            health = await scraper.get("/healthz")
            worker_text = (await scraper.get("/metrics")).text
        api_text = (await api.get("/metrics")).text

    assert health.status_code == 200 and health.json()["checks"] == {"pollers": "ok", "database": "ok",
                                                                     "temporal": "ok"}
    families, samples = exported(api_text, worker_text)
    documented = documented_metrics()
    assert len(documented) >= 20
    assert not documented - families, f"documented but not exported: {sorted(documented - families)}"
    undocumented = {f for f in families if f.startswith("calendary_")} - documented
    assert not undocumented, f"exported but not documented: {sorted(undocumented)}"
    for query in alert_and_panel_queries():
        names = set(METRIC_NAME.findall(query))
        assert names or query.startswith("up{"), f"names no metric: {query}"  # `up`: Prometheus' own series
        assert names <= samples, f"{query} names series nobody exports: {sorted(names - samples)}"

    # the figures are the journey's: one preview generation of the vintage theme, completed, 12 variants chosen
    figures = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(api_text) for s in family.samples}
    theme = (("theme", "vintage"),)
    assert figures[("calendary_generations_started_total", theme)] >= 1
    assert figures[("calendary_generations_finished_total", (("outcome", "completed"), *theme))] >= 1
    assert figures[("calendary_variants_ready_seconds_count", theme)] >= 1
    assert figures[("calendary_calendar_pdfs_total", theme)] >= 1
    assert figures[("calendary_calendars_downloaded_total", theme)] >= 1
    assert figures[("calendary_pdf_downloads_total", theme)] >= 2
    route = (("method", "GET"), ("route", "/api/calendars/generate/{job_id}/status"), ("status", "200"))
    assert figures[("calendary_http_requests_total", route)] >= 1
