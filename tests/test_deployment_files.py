"""The compose file must stay a valid deployment description (no Docker engine runs here to check it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel

from contracts import search_attributes
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _environment_variables() -> Iterator[str]:
    """The variable of every setting; a nested model's fields are CALENDARY_{FIELD}_{SUBFIELD}."""
    for name, field in Settings.model_fields.items():
        nested = field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) \
            else None
        if nested is None:
            yield f"CALENDARY_{name.upper()}"
        else:
            yield from (f"CALENDARY_{name}_{sub}".upper() for sub in nested.model_fields)


def test_nested_settings_are_listed_field_by_field() -> None:
    assert {"CALENDARY_DATABASE_URL", "CALENDARY_REPLICATE_API_TOKEN", "CALENDARY_REPLICATE_WEBHOOK_SECRET"} \
        <= set(_environment_variables())
    assert "CALENDARY_REPLICATE" not in set(_environment_variables())


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.temporal.yml").read_text())


def test_every_service_is_runnable_and_depends_on_real_services() -> None:
    services = _compose()["services"]
    assert {"temporal", "temporal-ui", "app-db", "minio", "api", "worker"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_app_environment_names_real_settings() -> None:
    environment = _compose()["services"]["api"]["environment"]
    unknown = set(environment) - set(_environment_variables())
    assert not unknown, f"compose sets variables no setting reads: {unknown}"


def test_compose_registers_the_workflow_search_attributes() -> None:
    command = " ".join(_compose()["services"]["temporal-search-attributes"]["command"])
    for key in search_attributes.ALL:
        assert f"--name {key.name}" in command


def test_readme_opens_with_the_two_commands() -> None:
    opening = (ROOT / "README.md").read_text()[:1500]
    assert "make run" in opening and "make test" in opening


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "README.md").read_text() + (ROOT / "docs" / "replicate.md").read_text()
    missing = [name for name in _environment_variables()
               if f"`{name}`" not in documented and not _listed_as_group(name, documented)]
    assert not missing, f"settings missing from README.md / docs/replicate.md: {missing}"


def _listed_as_group(variable: str, documented: str) -> bool:
    """README lists families compactly, e.g. `CALENDARY_MINIO_ENDPOINT` / `_ACCESS_KEY`."""
    prefix, _, rest = variable.removeprefix("CALENDARY_").partition("_")
    return f"CALENDARY_{prefix}_" in documented and f"`_{rest}`" in documented


def test_healthchecks_use_the_readiness_routes_and_monitoring_is_provisioned() -> None:
    services = _compose()["services"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    worker = services["worker"]
    assert "/healthz" in " ".join(worker["healthcheck"]["test"])
    assert worker["environment"]["CALENDARY_WORKER_METRICS_ADDRESS"].endswith(":9464")
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"
    mounted = [volume.split(":")[0] for name in ("prometheus", "grafana") for volume in services[name]["volumes"]]
    for source in mounted:
        if source.startswith("./"):
            assert (ROOT / source).exists(), f"compose mounts missing {source}"
    assert {"./deploy/prometheus/prometheus.yml", "./deploy/prometheus/alerts.yml",
            "./deploy/grafana/provisioning", "./deploy/grafana/dashboards"} <= set(mounted)
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert jobs["calendary-api"]["static_configs"][0]["targets"] == ["api:8000"]
    assert jobs["calendary-worker"]["dns_sd_configs"][0]["port"] == 9464
